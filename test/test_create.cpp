// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Creating temp files and dirs: names, modes, exclusivity, absolute paths, delete=False.
#define BOOST_TEST_MODULE test_create
#include "support.hpp"

#include <boost_tempfm/temp_file_manager.hpp>

#include <set>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

BOOST_AUTO_TEST_CASE(file_name_keeps_prefix_and_suffix_and_is_absolute) {
  scratch s;
  tfm::temp_file_manager m("job42_", s.dir);
  tfm::temp_file f = m.create_temp_file(".mkv");
  const std::string name = f.path().filename().string();
  BOOST_TEST(f.path().is_absolute());
  BOOST_TEST(f.path().parent_path() == fs::canonical(s.dir));
  BOOST_TEST(name.rfind("job42_", 0) == 0);
  BOOST_TEST(name.size() == std::string("job42_").size() + 16 + 4);
  BOOST_TEST(name.substr(name.size() - 4) == ".mkv");
  for (char c : name.substr(6, 16)) BOOST_TEST(std::isxdigit(static_cast<unsigned char>(c)));

  tfm::temp_file g = m.create_temp_file(".srt", std::string("subtitle_"));
  BOOST_TEST(g.path().filename().string().rfind("subtitle_", 0) == 0);
  BOOST_TEST(g.path().extension() == ".srt");
}

BOOST_AUTO_TEST_CASE(file_is_empty_regular_and_mode_0600,
                     *boost::unit_test::precondition(skip_on_windows{"checks POSIX permission bits under umask(0)"})) {
#ifndef _WIN32  // skipped on Windows (above): POSIX calls
  scratch s;
  tfm::temp_file_manager m("t_", s.dir);
  const mode_t old = ::umask(0);  // even with no umask, the file is 0600
  tfm::temp_file f = m.create_temp_file();
  ::umask(old);
  BOOST_TEST(fs::is_regular_file(fs::symlink_status(f.path())));
  BOOST_TEST(fs::file_size(f.path()) == 0u);
  BOOST_TEST(mode_of(f.path()) == 0600u);
#endif
}

BOOST_AUTO_TEST_CASE(dir_is_mode_0700,
                     *boost::unit_test::precondition(skip_on_windows{"checks POSIX permission bits under umask(0)"})) {
#ifndef _WIN32  // skipped on Windows (above): POSIX calls
  scratch s;
  tfm::temp_file_manager m("t_", s.dir);
  const mode_t old = ::umask(0);
  tfm::temp_dir d = m.create_temp_dir();
  ::umask(old);
  BOOST_TEST(fs::is_directory(fs::symlink_status(d.path())));
  BOOST_TEST(mode_of(d.path()) == 0700u);
  BOOST_TEST(d.path().filename().string().rfind("t_", 0) == 0);
  tfm::temp_dir e = m.create_temp_dir(std::string("frames_"));
  BOOST_TEST(e.path().filename().string().rfind("frames_", 0) == 0);
#endif
}

BOOST_AUTO_TEST_CASE(names_are_unique) {
  scratch s;
  tfm::temp_file_manager m("u_", s.dir);
  std::set<std::string> names;
  std::vector<tfm::temp_file> files;
  for (int i = 0; i < 500; ++i) {
    files.push_back(m.create_temp_file(".x"));
    names.insert(files.back().path().string());
  }
  BOOST_TEST(names.size() == 500u);
  BOOST_TEST(listing(s.dir).size() == 500u);
  BOOST_TEST(m.tracked_count() == 500u);
}

BOOST_AUTO_TEST_CASE(delete_false_leaves_file_and_does_not_track_it) {
  scratch s;
  fs::path kept;
  {
    tfm::temp_file_manager m("k_", s.dir);
    {
      tfm::temp_file f = m.create_temp_file(".mkv", std::nullopt, false);
      kept = f.path();
      BOOST_TEST(!f.owns());
      BOOST_TEST(m.tracked_count() == 0u);
      write_file(kept, "content");
    }
    BOOST_TEST(fs::exists(kept));
    m.cleanup_all();
    BOOST_TEST(fs::exists(kept));
  }
  BOOST_TEST(fs::exists(kept));  // not even the manager's destructor removes it
  BOOST_TEST(read_file(kept) == "content");
}

BOOST_AUTO_TEST_CASE(a_file_made_by_someone_else_is_never_overwritten) {
  // Fill the root with files; every new temp file must be a new inode, the old ones untouched.
  scratch s;
  tfm::temp_file_manager m("o_", s.dir);
  std::vector<fs::path> theirs;
  for (int i = 0; i < 50; ++i) {
    tfm::temp_file f = m.create_temp_file();
    write_file(f.path(), "theirs");
    theirs.push_back(f.release());
  }
  for (int i = 0; i < 200; ++i) {
    tfm::temp_file f = m.create_temp_file();
    BOOST_TEST(fs::file_size(f.path()) == 0u);
  }
  for (const fs::path& p : theirs) BOOST_TEST(read_file(p) == "theirs");
}

BOOST_AUTO_TEST_CASE(root_accessors) {
  scratch s;
  tfm::temp_file_manager m("acc_", s.dir / "." / "sub");
  BOOST_TEST(m.root() == fs::canonical(s.dir / "sub"));
  BOOST_TEST(m.prefix() == "acc_");
  tfm::temp_file_manager d;  // the default prefix
  BOOST_TEST(d.prefix() == "tempfm_");
  BOOST_TEST(d.create_temp_file().path().filename().string().rfind("tempfm_", 0) == 0);
}
