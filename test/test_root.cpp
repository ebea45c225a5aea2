// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// The temp root: the private per-user default, BOOST_TEMPFM_ROOT, and a given base_dir.
#define BOOST_TEST_MODULE test_root
#include "support.hpp"

#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/temp_file_manager.hpp>

#include <cstdlib>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

namespace {

// Points the system temp dir at a scratch dir, without BOOST_TEMPFM_ROOT, for one test.
// (TMP, TEMP and TEMPDIR are unset for the test too: the system temp dir's fallbacks.)
struct env_guard {
  static constexpr const char* vars[] = {"TMPDIR", "TMP", "TEMP", "TEMPDIR", "BOOST_TEMPFM_ROOT"};
  std::string old[5];
  bool had[5];
  env_guard() {
    for (int i = 0; i < 5; ++i) {
      const char* v = std::getenv(vars[i]);
      had[i] = v != nullptr;
      if (v) old[i] = v;
      if (i > 0) ::unsetenv(vars[i]);
    }
  }
  ~env_guard() {
    for (int i = 0; i < 5; ++i) {
      if (had[i])
        ::setenv(vars[i], old[i].c_str(), 1);
      else
        ::unsetenv(vars[i]);
    }
  }
};

fs::path default_root_in(const fs::path& tmp) { return tmp / ("tempfm-" + std::to_string(::geteuid())); }

// Expects the default-root constructor to throw filesystem_error naming root with errno `err`
// and a reason containing `reason`.
void expect_refused(const fs::path& root, int err, const std::string& reason) {
  try {
    tfm::temp_file_manager m;
    BOOST_FAIL("expected the root " << root << " to be refused");
  } catch (const fs::filesystem_error& e) {
    BOOST_TEST(e.code().value() == err);
    BOOST_TEST(e.path1() == root);
    BOOST_TEST(std::string(e.what()).find(reason) != std::string::npos, e.what());
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(default_root_is_private_per_user_under_tmpdir) {
  scratch s;
  env_guard g;
  ::setenv("TMPDIR", s.dir.c_str(), 1);
  const mode_t old = ::umask(0);
  tfm::temp_file_manager m;
  ::umask(old);
  const fs::path root = default_root_in(fs::canonical(s.dir));
  BOOST_TEST(m.root() == root);
  BOOST_TEST(mode_of(root) == 0700u);
  tfm::temp_file f = m.create_temp_file();
  BOOST_TEST(f.path().parent_path() == root);
  tfm::temp_file_manager again;  // the existing private root is accepted
  BOOST_TEST(again.root() == root);
}

BOOST_AUTO_TEST_CASE(env_variable_overrides_the_default_root) {
  scratch s;
  env_guard g;
  ::setenv("TMPDIR", s.dir.c_str(), 1);
  ::setenv("BOOST_TEMPFM_ROOT", (s.dir / "team-root").c_str(), 1);
  tfm::temp_file_manager m;
  BOOST_TEST(m.root() == fs::canonical(s.dir / "team-root"));
  BOOST_TEST(mode_of(m.root()) == 0700u);
  BOOST_TEST(!fs::exists(default_root_in(s.dir)));
  // A given base_dir wins over the variable.
  tfm::temp_file_manager given("p_", s.dir / "given");
  BOOST_TEST(given.root() == fs::canonical(s.dir / "given"));
}

BOOST_AUTO_TEST_CASE(default_root_open_to_others_is_refused) {
  scratch s;
  env_guard g;
  ::setenv("TMPDIR", s.dir.c_str(), 1);
  const fs::path root = default_root_in(s.dir);
  fs::create_directory(root);
  ::chmod(root.c_str(), 0755);
  expect_refused(root, EPERM, "mode 0755 gives access to other users");
  ::chmod(root.c_str(), 0701);
  expect_refused(root, EPERM, "mode 0701");
  BOOST_TEST(listing(root).empty());  // nothing created in it
  BOOST_TEST(mode_of(root) == 0701u);  // and never "repaired"
}

BOOST_AUTO_TEST_CASE(default_root_that_is_a_symlink_or_file_is_refused) {
  scratch s;
  env_guard g;
  ::setenv("TMPDIR", s.dir.c_str(), 1);
  const fs::path root = default_root_in(s.dir);
  fs::create_directory(s.dir / "trap");
  ::chmod((s.dir / "trap").c_str(), 0700);
  fs::create_directory_symlink(s.dir / "trap", root);
  expect_refused(root, ELOOP, "it is a symlink");
  BOOST_TEST(listing(s.dir / "trap").empty());
  fs::remove(root);
  write_file(root, "a file");
  expect_refused(root, ENOTDIR, "not a directory");
  BOOST_TEST(read_file(root) == "a file");
}

BOOST_AUTO_TEST_CASE(default_root_owned_by_another_user_is_refused) {
  // Needs a second user: as root (CI, the README) the directory is handed to nobody; unprivileged,
  // "/" (owned by root) stands for another user's directory.
  scratch s;
  env_guard g;
  ::setenv("TMPDIR", s.dir.c_str(), 1);
  const fs::path root = default_root_in(s.dir);
  fs::create_directory(root);
  ::chmod(root.c_str(), 0700);
  if (::geteuid() == 0) {
    BOOST_REQUIRE(::chown(root.c_str(), nobody_uid, nobody_gid) == 0);
    expect_refused(root, EPERM, "owned by uid 65534, not by uid 0");
  } else {
    // The unprivileged way: ask for a root in a directory we do not own at all.
    ::setenv("BOOST_TEMPFM_ROOT", "/", 1);
    try {
      tfm::temp_file_manager m;
      BOOST_FAIL("/ must be refused as a private root");
    } catch (const fs::filesystem_error& e) {
      BOOST_TEST(std::string(e.what()).find("owned by uid 0") != std::string::npos, e.what());
    }
  }
}

BOOST_AUTO_TEST_CASE(given_base_dir_is_created_if_missing) {
  scratch s;
  const fs::path base = s.dir / "a" / "b" / "c";
  tfm::temp_file_manager m("p_", base);
  BOOST_TEST(fs::is_directory(base));
  BOOST_TEST(mode_of(base) == 0700u);
  tfm::temp_file f = m.create_temp_file();
  BOOST_TEST(f.path().parent_path() == fs::canonical(base));
}

BOOST_AUTO_TEST_CASE(relative_base_dir_gives_absolute_paths) {
  scratch s;
  const fs::path old = fs::current_path();
  fs::current_path(s.dir);
  tfm::temp_file_manager m("rel_", "work");
  fs::current_path(old);  // paths handed out do not depend on the current directory any more
  tfm::temp_file f = m.create_temp_file();
  BOOST_TEST(f.path().is_absolute());
  BOOST_TEST(f.path().parent_path() == fs::canonical(s.dir / "work"));
  BOOST_TEST(fs::exists(f.path()));
}

BOOST_AUTO_TEST_CASE(base_dir_through_a_symlink_in_a_directory_open_to_all_is_refused) {
  // The symlink is ours, but it lies in a directory anyone can write (no sticky bit): anyone could
  // replace it, so it is refused like the directory itself would be; nothing is created.
  scratch s;
  fs::create_directories(s.dir / "open");
  ::chmod((s.dir / "open").c_str(), 0777);
  fs::create_directories(s.dir / "safe");
  fs::create_directory_symlink(s.dir / "safe", s.dir / "open" / "link");
  try {
    tfm::temp_file_manager m("p_", s.dir / "open" / "link");
    BOOST_FAIL("a base_dir reached through a replaceable symlink must be refused");
  } catch (const fs::filesystem_error& e) {
    BOOST_TEST(std::string(e.what()).find("writable by other users without the sticky bit") != std::string::npos,
               e.what());
  }
  BOOST_TEST(fs::is_empty(s.dir / "safe"));
}

BOOST_AUTO_TEST_CASE(base_dir_that_is_a_file_is_refused) {
  scratch s;
  write_file(s.dir / "file", "x");
  try {
    tfm::temp_file_manager m("p_", s.dir / "file");
    BOOST_FAIL("expected an error");
  } catch (const fs::filesystem_error& e) {
    BOOST_TEST(e.code().value() == ENOTDIR);
    BOOST_TEST(e.path1() == s.dir / "file");
    BOOST_TEST(std::string(e.what()).find("not a directory") != std::string::npos);
  }
  BOOST_TEST(read_file(s.dir / "file") == "x");
}

BOOST_AUTO_TEST_CASE(base_dir_not_writable_is_refused) {
  scratch s;
  fs::create_directories(s.dir / "ro");
  child_result r = run_unprivileged(s.dir, [&] {
    child_checks check;
    ::chmod((s.dir / "ro").c_str(), 0500);
    try {
      tfm::temp_file_manager m("p_", s.dir / "ro");
      check(false, "a read-only base_dir was accepted");
    } catch (const fs::filesystem_error& e) {
      check(e.code().value() == EACCES, std::string("errno EACCES: ") + e.what());
      check(e.path1() == s.dir / "ro", "names the path");
      check(std::string(e.what()).find("not writable") != std::string::npos, e.what());
    }
    check(listing(s.dir / "ro").empty(), "nothing created");
    return check.failed;
  });
  BOOST_TEST(r.exited_with(0), r.out);
}

BOOST_AUTO_TEST_CASE(bad_tmpdir_is_a_clear_error) {
  scratch s;
  env_guard g;
  ::setenv("TMPDIR", (s.dir / "missing").c_str(), 1);
  BOOST_CHECK_THROW(tfm::temp_file_manager m, fs::filesystem_error);
}

BOOST_AUTO_TEST_CASE(an_empty_variable_is_unset) {
  // TMPDIR= (empty) is common in scripts: the next variable, then /tmp, as if it were not there.
  scratch s;
  env_guard g;
  const std::string uid = std::to_string(::geteuid());
  ::setenv("TMPDIR", "", 1);
  BOOST_TEST(tfm::default_root() == fs::path("/tmp") / ("tempfm-" + uid));
  ::setenv("TMP", s.dir.c_str(), 1);
  BOOST_TEST(tfm::default_root() == s.dir / ("tempfm-" + uid));
  ::setenv("BOOST_TEMPFM_ROOT", "", 1);
  {
    tfm::temp_file_manager m;  // the default root, under TMP
    BOOST_TEST(m.create_temp_file().path().parent_path() == s.dir / ("tempfm-" + uid));
  }
  ::setenv("BOOST_TEMPFM_ROOT", (s.dir / "explicit").c_str(), 1);
  BOOST_TEST(tfm::default_root() == s.dir / "explicit");
}

BOOST_AUTO_TEST_CASE(a_temp_dir_that_is_not_a_directory_is_named) {
  scratch s;
  env_guard g;
  write_file(s.dir / "file", "x");
  ::setenv("TMPDIR", (s.dir / "file").c_str(), 1);
  boost::system::error_code ec;
  BOOST_TEST(tfm::default_root(ec).empty());
  BOOST_TEST(ec.value() == ENOTDIR);
  try {
    tfm::temp_file_manager m;
    BOOST_FAIL("a TMPDIR that is a file must be refused");
  } catch (const fs::filesystem_error& e) {
    BOOST_TEST(std::string(e.what()).find((s.dir / "file").string()) != std::string::npos, e.what());
    BOOST_TEST(e.code().value() == ENOTDIR);
  }
  ::setenv("TMPDIR", (s.dir / "missing").c_str(), 1);
  BOOST_TEST(tfm::default_root(ec).empty());
  BOOST_TEST(ec.value() == ENOENT);
}
