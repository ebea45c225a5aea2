// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// The code of doc/tutorial.md and doc/reference.md, compiled and run (it checks what the text
// promises and exits non-zero if anything differs). Each //[name ... //] part is quoted in the docs.
#include <boost_tempfm/tempfm.hpp>
#include <boost_tempfm/temp_file_stream.hpp>

#include <boost/filesystem/operations.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/trivial.hpp>
#include <boost/log/utility/setup/console.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
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

std::string read_back(const fs::path& p) {
  std::ifstream in(p.string(), std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

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

void options(boost_tempfm::temp_file_manager& manager) {
  //[options
  // Each setting named, nothing positional (Rust's Builder): a group-readable file, 8 random digits.
  boost_tempfm::temp_file frames = manager.create_temp_file(
      boost_tempfm::create_options().prefix("frames_").suffix(".raw").mode(0640).random_length(8));
  // frames.path().filename() is like "frames_3f9c1a0e.raw", mode exactly 0640 whatever the umask
  //]
  struct stat st;
  expect(::stat(frames.path().c_str(), &st) == 0 && (st.st_mode & 0777) == 0640 &&
             frames.path().filename().string().size() == 7 + 8 + 4,
         "options");
}

void open_file(boost_tempfm::temp_file_manager& manager) {
  //[open_file
  // The descriptor of the exclusive create, never reopened: no window for anyone to swap the file.
  boost_tempfm::temp_file log = manager.create_temp_file(boost_tempfm::create_options().suffix(".log").keep_open());
  {
    boost_tempfm::temp_file_stream out(log);  // a std::iostream over log.native_handle()
    out << "frame 1 encoded\n";
  }  // flushed; the descriptor stays open with the handle
  ::fsync(log.native_handle());
  // log.path() still names it, for tools that want a path
  //]
  std::ifstream in(log.path().string());
  std::string line;
  std::getline(in, line);
  expect(line == "frame 1 encoded", "open file and stream");
}

void atomic_save(boost_tempfm::temp_file_manager& manager, const fs::path& where) {
  write_bytes(where / "result.json", "{\"old\": true}\n");
  //[atomic_save
  // Written next to the destination, put in place by one rename: readers see the old file or the
  // whole new one. Dropped before commit() (an exception), it is removed and result.json stays.
  boost_tempfm::atomic_file out = manager.create_atomic_file(where / "result.json");
  {
    boost_tempfm::temp_file_stream s(out);
    s << "{\"frames\": 42}\n";
  }
  out.commit();  // fsync, rename over result.json, fsync of the directory
  //]
  expect(out.committed() && read_back(where / "result.json") == "{\"frames\": 42}\n", "atomic save");
  //[no_clobber
  boost_tempfm::atomic_file report = manager.create_atomic_file(where / "result.json");
  boost::system::error_code ec;
  report.commit(boost_tempfm::persist_options().no_clobber(), ec);  // renameat2(RENAME_NOREPLACE)
  if (ec == boost::system::errc::file_exists) std::cerr << "result.json exists: not replaced\n";
  //]
  expect(ec == boost::system::errc::file_exists && report.owns(), "no clobber");
}

void persist(boost_tempfm::temp_file_manager& manager, const fs::path& where) {
  //[persist
  boost_tempfm::temp_file video = manager.create_temp_file(".mkv");
  write_bytes(video.path(), "encoded video");
  // The root may be on another filesystem (tmpfs) than the destination: rename would be EXDEV.
  // Asked for, persist copies into the destination's directory and renames that into place.
  video.persist(where / "final.mkv", boost_tempfm::persist_options().copy_across_filesystems());
  // video.owns() == false: final.mkv is yours now
  //]
  expect(!video.owns() && read_back(where / "final.mkv") == "encoded video", "persist");
}

void unnamed(boost_tempfm::temp_file_manager& manager, const fs::path& where) {
  boost::system::error_code none;
  (void)manager.create_unnamed_file(boost_tempfm::create_options().directory(where), none);
  if (none == boost::system::errc::operation_not_supported) {  // not on this system (Linux only)
    std::cout << "tutorial: no unnamed files here (" << none.message() << "): that step is skipped\n";
    return;
  }
  //[unnamed
  // O_TMPFILE: no name in any directory, nothing to clean up, even after SIGKILL.
  boost_tempfm::unnamed_file scratch = manager.create_unnamed_file(
      boost_tempfm::create_options().directory(where));
  if (::write(scratch.native_handle(), "intermediate", 12) != 12) throw std::runtime_error("write");
  // Worth keeping after all: give it a name (on its own filesystem).
  scratch.link_to(where / "kept.bin");
  //]
  expect(read_back(where / "kept.bin") == "intermediate", "unnamed");
}

void any_directory(boost_tempfm::temp_file_manager& manager, const fs::path& where) {
  fs::path seen;
  //[any_directory
  // A temp file next to the output, tracked in the manager's own registry (no .tempfm-<uid>/ in
  // `where`, no second manager): removed at scope end, by cleanup_all(), or by a sweep after a crash.
  {
    boost_tempfm::temp_file part = manager.create_temp_file(
        boost_tempfm::create_options().directory(where).suffix(".part"));
    seen = part.path();  // <where>/tempfm_<16 hex>.part
  }
  //]
  expect(seen.parent_path() == fs::canonical(where) && !fs::exists(seen), "any directory");
}

void error_codes(boost_tempfm::temp_file_manager& manager) {
  //[error_codes
  boost::system::error_code ec;
  boost_tempfm::temp_file f = manager.create_temp_file(boost_tempfm::create_options().suffix("a/b"), ec);
  if (ec) std::cerr << "not created: " << ec.message() << "\n";  // EINVAL; f is empty
  //]
  expect(ec == boost::system::errc::invalid_argument && !f.owns(), "error codes");
}

void logging() {
  //[logging
  namespace expr = boost::log::expressions;
  boost::log::add_console_log(std::clog, boost::log::keywords::filter =
                                             expr::attr<std::string>("Channel") == boost_tempfm::log_channel() &&
                                             boost::log::trivial::severity >= boost::log::trivial::info);
  //]
}

//[own_severity
enum class app_level { trace, debug, info, warning, error };
BOOST_LOG_ATTRIBUTE_KEYWORD(app_severity, "Severity", app_level)
BOOST_LOG_ATTRIBUTE_KEYWORD(app_channel, "Channel", std::string)

void log_with_app_levels() {
  boost_tempfm::set_log_severity(app_level::debug, app_level::info, app_level::warning);
  boost::log::add_console_log(std::clog, boost::log::keywords::filter = app_channel == boost_tempfm::log_channel() &&
                                                                        app_severity >= app_level::info);
}
//]

std::ostream& operator<<(std::ostream& o, app_level l) {
  const char* names[] = {"trace", "debug", "info", "warning", "error"};
  return o << names[static_cast<int>(l)];
}

void own_severity(boost_tempfm::temp_file_manager& manager) {
  log_with_app_levels();
  // What a sink sees: the application's type, info for cleanup_all(), debug for a scope end.
  std::ostringstream seen;
  auto sink = boost::log::add_console_log(
      seen, boost::log::keywords::filter = app_channel == boost_tempfm::log_channel(),
      boost::log::keywords::format = boost::log::expressions::stream << app_severity << " " << app_channel);
  { boost_tempfm::temp_file f = manager.create_temp_file(); }
  boost_tempfm::temp_file kept = manager.create_temp_file();
  manager.cleanup_all();
  sink->flush();
  expect(seen.str() == "debug boost_tempfm\ninfo boost_tempfm\n", "records at the application's levels");
  boost::log::core::get()->remove_sink(sink);
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
    options(manager);
    open_file(manager);
    atomic_save(manager, scratch);
    persist(manager, scratch);
    unnamed(manager, scratch);
    any_directory(manager, scratch);
    error_codes(manager);
    registry(manager);
    logging();
    own_severity(manager);
    fs::remove_all(scratch);
  } catch (const std::exception& e) {
    std::cerr << "tutorial: " << e.what() << "\n";
    return 1;
  }
  if (failures == 0) std::cout << "tutorial: every documented behaviour checked\n";
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
