// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// The code of doc/tutorial.md and doc/reference.md, compiled and run (it checks what the text
// promises and exits non-zero if anything differs). Each //[name ... //] part is quoted in the docs.
#include <boost_tempfm/tempfm.hpp>

#include <boost/filesystem/operations.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/trivial.hpp>
#include <boost/log/utility/setup/console.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>

namespace fs = boost::filesystem;

namespace {

int failures = 0;
void expect(bool ok, const char* what) {
  if (!ok) {
    std::cerr << "tutorial: not as documented: " << what << "\n";
    ++failures;
  }
}

void write_bytes(const fs::path& p, const std::string& s) { std::ofstream(p.string(), std::ios::binary) << s; }

fs::path basic() {
  fs::path seen;
  //[basic
  boost_tempfm::temp_file_manager& manager = boost_tempfm::get_temp_manager();
  {
    boost_tempfm::temp_file temp = manager.create_temp_file(".mkv");
    write_bytes(temp.path(), "video content");  // temp.path() is absolute
    seen = temp.path();
  }  // the file is removed here
  //]
  return seen;
}

fs::path prefix_suffix(boost_tempfm::temp_file_manager& manager) {
  //[prefix_suffix
  boost_tempfm::temp_file subtitle = manager.create_temp_file(".srt", std::string("subtitle_"));
  // subtitle.path().filename() is like "subtitle_3f9c1a0e7b2d4c68.srt"
  //]
  return subtitle.path();
}

fs::path keep(boost_tempfm::temp_file_manager& manager) {
  //[keep
  fs::path output_path;
  {
    boost_tempfm::temp_file out = manager.create_temp_file(".mkv", std::nullopt, /*remove=*/false);
    write_bytes(out.path(), "content");
    output_path = out.path();
  }  // still on disk: remove=false files are neither removed nor tracked
  manager.register_file(output_path);  // removed by cleanup_all() or at exit
  //]
  return output_path;
}

fs::path directory(boost_tempfm::temp_file_manager& manager) {
  fs::path seen;
  //[dir
  {
    boost_tempfm::temp_dir dir = manager.create_temp_dir();
    write_bytes(dir.path() / "file1.txt", "content1");
    write_bytes(dir.path() / "file2.txt", "content2");
    seen = dir.path();
  }  // the directory and everything in it are removed here
  //]
  return seen;
}

void register_external(boost_tempfm::temp_file_manager& manager, const fs::path& where) {
  //[register
  fs::path external_file = where / "file.txt";
  write_bytes(external_file, "content");
  manager.register_file(external_file);  // removed by cleanup_all() or at exit
  //]
}

void cleanup(boost_tempfm::temp_file_manager& manager) {
  //[cleanup_all
  manager.cleanup_all();  // throws boost_tempfm::cleanup_error after trying every entry

  boost::system::error_code ec;
  manager.cleanup_all(ec);  // or: reports the first failure in ec
  if (ec) std::cerr << "cleanup failed: " << ec.message() << "\n";
  //]
}

void release_and_remove(boost_tempfm::temp_file_manager& manager) {
  //[release
  boost_tempfm::temp_file report = manager.create_temp_file(".json");
  fs::path kept = report.release();  // no longer managed: stays on disk, report.path() is empty

  boost_tempfm::temp_dir scratch = manager.create_temp_dir();
  scratch.remove();  // remove now and learn about failure (the destructor only logs)
  //]
  expect(fs::exists(kept) && report.path().empty() && !fs::exists(scratch.path()), "release/remove");
  fs::remove(kept);
}

void own_manager(const fs::path& where) {
  //[own_manager
  boost_tempfm::temp_file_manager jobs("job_", where / "jobs");  // created 0700 if missing
  boost_tempfm::temp_file f = jobs.create_temp_file(".part");
  // f.path() == jobs.root() / "job_<16 hex digits>.part"
  //]
  expect(f.path().parent_path() == jobs.root() && f.path().filename().string().rfind("job_", 0) == 0,
         "own manager");
}

void errors(boost_tempfm::temp_file_manager& manager) {
  //[errors
  try {
    manager.create_temp_file("/etc/passwd");
  } catch (const boost::filesystem::filesystem_error& e) {
    // e.what(): boost_tempfm: suffix "/etc/passwd" holds a path separator: Invalid argument
    //           [system:22]: "<root>"
    // e.code() == boost::system::errc::invalid_argument, e.path1() == manager.root()
    std::cerr << e.what() << "\n";
  }
  //]
}

void registry(boost_tempfm::temp_file_manager& manager) {
  //[registry
  // Every process of this user on this root shares its registry: see what all of them hold...
  for (const boost_tempfm::registry_entry& e : boost_tempfm::list_entries(manager.root()))
    std::cout << e.path << ": pid " << e.owner.pid << (e.owner_alive ? " (alive), " : " (dead), ") << e.bytes
              << " bytes\n";
  // ...and remove what crashed or killed processes left (a new manager does some of it when it starts).
  boost_tempfm::sweep_report swept = boost_tempfm::sweep(manager.root());
  std::cout << "swept " << swept.removed.size() << " entries of dead processes\n";
  //]
}

void logging() {
  //[logging
  namespace expr = boost::log::expressions;
  boost::log::add_console_log(std::clog, boost::log::keywords::filter =
                                             expr::attr<std::string>("Channel") == boost_tempfm::log_channel() &&
                                             boost::log::trivial::severity >= boost::log::trivial::info);
  //]
}

}  // namespace

int main() {
  try {
    const fs::path root = boost_tempfm::get_temp_manager().root();
    const fs::path scratch = fs::temp_directory_path() / fs::unique_path("tempfm-tutorial-%%%%%%%%");
    fs::create_directories(scratch);
    boost_tempfm::temp_file_manager& manager = boost_tempfm::get_temp_manager();

    const fs::path b = basic();
    expect(b.parent_path() == root && b.extension() == ".mkv" && !fs::exists(b), "basic");
    const fs::path s = prefix_suffix(manager);
    expect(s.filename().string().rfind("subtitle_", 0) == 0 && !fs::exists(s), "prefix and suffix");
    const fs::path k = keep(manager);
    expect(fs::exists(k), "kept output");
    const fs::path d = directory(manager);
    expect(!fs::exists(d), "directory");
    register_external(manager, scratch);
    cleanup(manager);
    expect(!fs::exists(k) && !fs::exists(scratch / "file.txt"), "cleanup_all");
    release_and_remove(manager);
    own_manager(scratch);
    errors(manager);
    registry(manager);
    logging();
    fs::remove_all(scratch);
  } catch (const std::exception& e) {
    std::cerr << "tutorial: " << e.what() << "\n";
    return 1;
  }
  if (failures == 0) std::cout << "tutorial: every documented behaviour checked\n";
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
