// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Removing temp dirs: recursive, through read-only and unreadable content, never following a
// symlink out, and a path the user already removed is no error.
#define BOOST_TEST_MODULE test_dir
#include "support.hpp"

#include <boost_tempfm/temp_file_manager.hpp>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

BOOST_AUTO_TEST_CASE(dir_and_all_contents_removed_at_scope_end) {
  scratch s;
  tfm::temp_file_manager m("d_", s.dir);
  fs::path dir;
  {
    tfm::temp_dir d = m.create_temp_dir();
    dir = d.path();
    write_file(d.path() / "file1.txt", "content1");
    write_file(d.path() / "file2.txt", "content2");
    fs::create_directories(d.path() / "a" / "b" / "c");
    write_file(d.path() / "a" / "b" / "c" / "deep.bin", std::string(10000, 'x'));
    BOOST_TEST(m.tracked_count() == 1u);
  }
  BOOST_TEST(!exists_nofollow(dir));
  BOOST_TEST(listing(s.dir).empty());
  BOOST_TEST(m.tracked_count() == 0u);
}

BOOST_AUTO_TEST_CASE(read_only_files_and_dirs_do_not_stop_removal,
                     *boost::unit_test::precondition(skip_on_windows{"runs as another user (nobody, from fork(2)) so that POSIX permission bits apply"})) {
  // In a child as an unprivileged user: root would ignore the permission bits.
  scratch s;
  child_result r = run_unprivileged(s.dir, [&] {
    child_checks check;
    tfm::temp_file_manager m("ro_", s.dir / "root");
    fs::path dir;
    {
      tfm::temp_dir d = m.create_temp_dir();
      dir = d.path();
      write_file(d.path() / "ro.txt", "x");
      set_mode(d.path() / "ro.txt", 0400);
      fs::create_directories(d.path() / "rodir");
      write_file(d.path() / "rodir" / "f", "y");
      set_mode(d.path() / "rodir", 0500);  // cannot unlink inside without fixing
      fs::create_directories(d.path() / "noread" / "inner");
      write_file(d.path() / "noread" / "inner" / "g", "z");
      set_mode(d.path() / "noread" / "inner", 0000);  // cannot even list it
      set_mode(d.path() / "noread", 0300);             // write+search but not read
      fs::create_directories(d.path() / "nosearch");
      write_file(d.path() / "nosearch" / "h", "w");
      set_mode(d.path() / "nosearch", 0600);  // read but no search
      set_mode(d.path(), 0500);                  // the temp dir itself read-only
      check(!can_read(d.path() / "noread" / "inner"), "permission bits apply in the child");
    }
    check(!exists_nofollow(dir), "the read-only tree is gone");
    check(m.tracked_count() == 0u, "nothing stays tracked");
    return check.failed;
  });
  BOOST_TEST(r.exited_with(0), r.out);
}

BOOST_AUTO_TEST_CASE(symlinks_inside_are_removed_as_links_never_followed) {
  scratch s;
  const fs::path outside = s.dir / "outside";
  fs::create_directories(outside / "sub");
  write_file(outside / "precious.txt", "keep me");
  write_file(outside / "sub" / "also.txt", "keep me too");
  set_mode(outside / "sub", 0500);  // even read-only targets are not "fixed"
  fs::path dir;
  {
    tfm::temp_file_manager m("s_", s.dir / "root");
    tfm::temp_dir d = m.create_temp_dir();
    dir = d.path();
    fs::create_directory_symlink(outside, d.path() / "link_to_dir");
    fs::create_symlink(outside / "precious.txt", d.path() / "link_to_file");
    fs::create_directory_symlink(outside / "sub", d.path() / "link_to_ro_dir");
    fs::create_symlink(s.dir / "does-not-exist", d.path() / "dangling");
  }
  BOOST_TEST(!exists_nofollow(dir));
  BOOST_TEST(read_file(outside / "precious.txt") == "keep me");
  BOOST_TEST(read_file(outside / "sub" / "also.txt") == "keep me too");
  if (!on_windows) BOOST_TEST(mode_of(outside / "sub") == 0500u);  // no POSIX permission bits there
  BOOST_TEST(listing(outside).size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_directory_symlink_made_by_other_software_is_never_followed) {
  // Made outside the library, as other software would (under wine: a Unix symlink, which wine
  // opens as the directory it points to and lists as a reparse point).
  scratch s;
  const fs::path outside = s.dir / "outside";
  fs::create_directories(outside / "sub");
  write_file(outside / "precious.txt", "keep me");
  write_file(outside / "sub" / "also.txt", "keep me too");
  tfm::temp_file_manager m("u_", s.dir / "root");
  tfm::temp_dir d = m.create_temp_dir();
  write_file(d.path() / "mine.txt", "mine");
  make_dir_symlink(outside, d.path() / "link");
  BOOST_REQUIRE(listing(d.path()).count("link") == 1u);
  boost::system::error_code ec;
  d.remove(ec);
  BOOST_TEST(read_file(outside / "precious.txt") == "keep me");
  BOOST_TEST(read_file(outside / "sub" / "also.txt") == "keep me too");
  BOOST_TEST(listing(outside).size() == 2u);
  BOOST_TEST(!exists_nofollow(d.path() / "mine.txt"));
  if (on_wine()) {
    // Win32 under wine cannot remove such a link as itself: reported, and the rest removed.
    BOOST_TEST(ec.value() == EPERM, ec.message());
    BOOST_TEST(listing(d.path()) == std::set<std::string>{"link"});
    remove_dir_symlink(d.path() / "link");
    d.remove();
  } else {
    BOOST_TEST(!ec, ec.message());
  }
  BOOST_TEST(!exists_nofollow(d.path()));
  BOOST_TEST(listing(outside).size() == 2u);
}

BOOST_AUTO_TEST_CASE(already_removed_by_the_user_is_not_an_error) {
  scratch s;
  tfm::temp_file_manager m("gone_", s.dir);
  {
    tfm::temp_dir d = m.create_temp_dir();
    fs::remove_all(d.path());
    boost::system::error_code ec;
    d.remove(ec);  // the explicit call reports: nothing to report
    BOOST_TEST(!ec);
    BOOST_TEST(!d.owns());
  }
  {
    tfm::temp_file f = m.create_temp_file();
    fs::remove(f.path());
  }  // the destructor finds nothing: fine
  tfm::temp_dir d2 = m.create_temp_dir();
  fs::remove(d2.path());
  BOOST_CHECK_NO_THROW(m.cleanup_all());
  BOOST_TEST(m.tracked_count() == 0u);
}

BOOST_AUTO_TEST_CASE(a_dir_replaced_by_a_symlink_is_removed_as_a_link) {
  // The user (or an attacker) replaced the temp dir itself by a symlink to elsewhere: only the
  // link goes.
  scratch s;
  fs::create_directories(s.dir / "elsewhere");
  write_file(s.dir / "elsewhere" / "f", "keep");
  tfm::temp_file_manager m("x_", s.dir / "root");
  tfm::temp_dir d = m.create_temp_dir();
  const fs::path p = d.path();
  fs::remove(p);
  fs::create_directory_symlink(s.dir / "elsewhere", p);
  d.remove();
  BOOST_TEST(!exists_nofollow(p));
  BOOST_TEST(read_file(s.dir / "elsewhere" / "f") == "keep");
}
