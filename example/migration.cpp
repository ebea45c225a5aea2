// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// The code of doc/migration.md: hard-coded /tmp paths with hand-written cleanup, and the same
// job with the manager. Run: both versions process a job; only the second leaves nothing behind
// when the job fails.
#include <boost_tempfm/tempfm.hpp>

#include <boost/filesystem/operations.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>

namespace fs = boost::filesystem;

namespace {

void encode(const std::string& path, bool fail) {
  if (fail) throw std::runtime_error("encoder failed on " + path);
}

//[before
// Before: a hard-coded path and cleanup by hand.
void process_job_before(const std::string& job_id, const std::string& video_content, bool fail) {
  const std::string temp_video_path = "/tmp/" + job_id + "_video.mkv";
  {
    std::ofstream f(temp_video_path, std::ios::binary);
    f << video_content;
  }
  encode(temp_video_path, fail);  // throws: the cleanup below never runs, the file leaks
  if (std::remove(temp_video_path.c_str()) != 0) std::perror("cleanup error");
}
//]

//[after
// After: a unique name (no clash between two runs of the same job), mode 0600, and removal at the
// end of the scope, also when encode() throws.
void process_job_after(const std::string& job_id, const std::string& video_content, bool fail) {
  boost_tempfm::temp_file_manager& manager = boost_tempfm::get_temp_manager();
  boost_tempfm::temp_file temp_video = manager.create_temp_file(".mkv", job_id + "_video_");
  {
    std::ofstream f(temp_video.path().string(), std::ios::binary);
    f << video_content;
  }
  encode(temp_video.path().string(), fail);
}  // removed here, whatever happened
//]

}  // namespace

int main() {
  const std::string job = "migration" + std::to_string(::getpid());
  const fs::path leaked = "/tmp/" + job + "_video.mkv";
  try {
    process_job_before(job, "content", true);
  } catch (const std::exception& e) {
    std::cout << "before: " << e.what() << "; leaked: " << std::boolalpha << fs::exists(leaked) << "\n";
  }
  fs::remove(leaked);
  const fs::path root = boost_tempfm::get_temp_manager().root();
  try {
    process_job_after(job, "content", true);
  } catch (const std::exception& e) {
    bool left = false;
    for (fs::directory_iterator it(root), end; it != end; ++it)
      left = left || it->path().filename().string().rfind(job, 0) == 0;
    std::cout << "after:  " << e.what() << "; leaked: " << left << "\n";
    return left ? 1 : 0;
  }
  return 1;
}
