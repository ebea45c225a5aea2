// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// create_options::directory: a file, directory or unnamed file in any directory per call, tracked
// in the manager's own registry by absolute path (nothing written to that directory but what was
// asked for), with the root's checks on the directory, and swept after a SIGKILL by name (random
// names made O_EXCL, like in the root).
#define BOOST_TEST_MODULE test_any_directory
#include "support.hpp"

#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/temp_file_manager.hpp>

#include <fcntl.h>
#include <signal.h>

using namespace tempfm_test;
namespace tfm = boost_tempfm;


BOOST_AUTO_TEST_CASE(files_and_dirs_in_another_directory_without_clutter) {
  scratch s;
  tfm::temp_file_manager m("d_", s.dir / "root");
  const fs::path out = s.dir / "out";
  fs::create_directories(out);
  write_file(out / "existing", "theirs");
  fs::path pf, pd;
  {
    tfm::temp_file f = m.create_temp_file(tfm::create_options().directory(out).suffix(".mkv").mode(0640));
    tfm::temp_dir d = m.create_temp_dir(tfm::create_options().directory(out));
    pf = f.path();
    pd = d.path();
    BOOST_TEST(pf.parent_path() == out);
    BOOST_TEST(pd.parent_path() == out);
    if (!on_windows) {  // no POSIX permission bits there
      BOOST_TEST(mode_of(pf) == 0640u);
      BOOST_TEST(mode_of(pd) == 0700u);
    }
    write_file(pd / "frame", "x");
    // Tracked in the root's registry, by absolute path; no registry directory in `out`.
    std::set<std::string> listed;
    for (const tfm::registry_entry& e : tfm::list_entries(m.root())) listed.insert(e.path.string());
    BOOST_TEST(listed == (std::set<std::string>{pf.string(), pd.string()}));
    BOOST_TEST(listing(out).size() == 3u);
    BOOST_TEST(!exists_nofollow(tfm::registry_dir(out)));
    BOOST_TEST(m.tracked_count() == 2u);
    m.register_file(pf);  // already tracked: no second entry
    BOOST_TEST(m.tracked_count() == 2u);
  }
  BOOST_TEST(!exists_nofollow(pf));
  BOOST_TEST(!exists_nofollow(pd));
  BOOST_TEST(listing(out) == std::set<std::string>{"existing"});
  BOOST_TEST(tfm::list_entries(m.root()).empty());
  // cleanup_all and a kept one.
  tfm::temp_file a = m.create_temp_file(tfm::create_options().directory(out));
  const fs::path kept = m.create_temp_file(tfm::create_options().directory(out).keep()).path();
  m.cleanup_all();
  BOOST_TEST(!a.owns());
  BOOST_TEST(listing(out) == (std::set<std::string>{"existing", kept.filename().string()}));
}

// Files made outside the root are listed by slot (no path index): the list stays right when
// entries leave it out of order, and register_file() still finds each one still tracked.
BOOST_AUTO_TEST_CASE(outside_entries_stay_found_when_others_leave_out_of_order) {
  scratch s;
  tfm::temp_file_manager m("d_", s.dir / "root");
  const fs::path out = s.dir / "out";
  fs::create_directories(out);
  std::vector<tfm::temp_file> files;
  for (int i = 0; i < 5; ++i) files.push_back(m.create_temp_file(tfm::create_options().directory(out)));
  std::vector<fs::path> paths;
  for (const tfm::temp_file& f : files) paths.push_back(f.path());
  files[1].remove();
  const fs::path released = files[3].release();
  tfm::atomic_file a = m.create_atomic_file(out / "dest");
  BOOST_TEST(m.tracked_count() == 4u);
  for (int i : {0, 2, 4}) m.register_file(paths[static_cast<std::size_t>(i)]);  // tracked: no second entry
  m.register_file(a.path());
  BOOST_TEST(m.tracked_count() == 4u);
  m.register_file(released);  // forgotten by release(): tracked again
  BOOST_TEST(m.tracked_count() == 5u);
  a.commit();
  files.clear();
  BOOST_TEST(m.tracked_count() == 1u);
  m.cleanup_all();
  BOOST_TEST(listing(out) == std::set<std::string>{"dest"});
  BOOST_TEST(tfm::list_entries(m.root()).empty());
}

BOOST_AUTO_TEST_CASE(the_root_given_as_the_directory_is_the_root) {
  scratch s;
  tfm::temp_file_manager m("d_", s.dir / "root");
  tfm::temp_file f = m.create_temp_file(tfm::create_options().directory(s.dir / "root" / "."));
  BOOST_TEST(f.path().parent_path() == m.root());
}

BOOST_AUTO_TEST_CASE(unnamed_files_in_another_directory,
                     *boost::unit_test::precondition(linux_backend_only{no_unnamed_files}) * boost::unit_test::precondition(skip_on_windows{"links the unnamed file: Win32 cannot give an open file a name (link_to is EOPNOTSUPP there, test_unnamed)"})) {
  scratch s;
  tfm::temp_file_manager m("d_", s.dir / "root");
  const fs::path out = s.dir / "out";
  fs::create_directories(out);
  tfm::unnamed_file u = m.create_unnamed_file(tfm::create_options().directory(out));
  BOOST_TEST(listing(out).empty());
  BOOST_REQUIRE(write_native(u.native_handle(), "u", 1) == 1);
  u.link_to(out / "named");  // the same filesystem, by construction
  BOOST_TEST(read_file(out / "named") == "u");
}

BOOST_AUTO_TEST_CASE(the_directory_is_checked_like_a_root,
                     *boost::unit_test::precondition(skip_on_windows{"a directory made writable by others with POSIX permission bits, without the sticky bit (Windows checks the DACL)"})) {
  scratch s;
  tfm::temp_file_manager m("d_", s.dir / "root");
  write_file(s.dir / "file", "x");
  fs::create_directories(s.dir / "open");
  set_mode(s.dir / "open", 0777);
  fs::create_directories(s.dir / "sticky");
  set_mode(s.dir / "sticky", 01777);  // like /tmp: accepted (ours, sticky)
  const tfm::create_options missing = tfm::create_options().directory(s.dir / "missing");
  expect_error([&] { m.create_temp_file(missing); }, ENOENT, "cannot use the directory", s.dir / "missing");
  expect_error([&] { m.create_temp_dir(missing); }, ENOENT, "cannot use the directory", s.dir / "missing");
  expect_error([&] { m.create_unnamed_file(missing); }, ENOENT, "cannot use the directory", s.dir / "missing");
  BOOST_TEST(!exists_nofollow(s.dir / "missing"));  // never created
  expect_error([&] { m.create_temp_file(tfm::create_options().directory(s.dir / "file")); }, ENOTDIR, "not a directory",
          s.dir / "file");
  expect_error([&] { m.create_temp_file(tfm::create_options().directory(s.dir / "open")); }, EPERM,
          "refusing the directory: is writable by other users without the sticky bit", s.dir / "open");
  const fs::path reg = tfm::registry_dir(m.root());
  expect_error([&] { m.create_temp_file(tfm::create_options().directory(reg)); }, EINVAL, "the registry of the temp root",
          reg);
  BOOST_TEST(listing(s.dir / "open").empty());
  boost::system::error_code ec;
  tfm::temp_file f = m.create_temp_file(tfm::create_options().directory(s.dir / "open"), ec);
  BOOST_TEST(ec.value() == EPERM);
  BOOST_TEST(!f.owns());
  tfm::temp_file ok = m.create_temp_file(tfm::create_options().directory(s.dir / "sticky"), ec);
  BOOST_TEST(!ec);
  BOOST_TEST(ok.path().parent_path() == s.dir / "sticky");
}

BOOST_AUTO_TEST_CASE(another_users_directory_or_symlink_is_refused,
                     *boost::unit_test::precondition([](boost::unit_test::test_unit_id) { return is_root(); }) * boost::unit_test::precondition(skip_on_windows{"needs a second user (chown to nobody)"})) {
#ifndef _WIN32  // skipped on Windows (above): POSIX calls
  scratch s;
  tfm::temp_file_manager m("d_", s.dir / "root");
  fs::create_directories(s.dir / "theirs");
  BOOST_REQUIRE(::chown((s.dir / "theirs").c_str(), nobody_uid, nobody_gid) == 0);
  expect_error([&] { m.create_temp_file(tfm::create_options().directory(s.dir / "theirs")); }, EPERM, "is owned by uid 65534",
          s.dir / "theirs");
  fs::create_directories(s.dir / "mine");
  fs::create_directory_symlink(s.dir / "mine", s.dir / "link");
  BOOST_REQUIRE(::lchown((s.dir / "link").c_str(), nobody_uid, nobody_gid) == 0);
  expect_error([&] { m.create_temp_file(tfm::create_options().directory(s.dir / "link")); }, EPERM,
          "reached through the symlink", s.dir / "link");
  BOOST_TEST(listing(s.dir / "theirs").empty());
  BOOST_TEST(listing(s.dir / "mine").empty());
#endif
}

// devpts has no O_TMPFILE; as root it passes the directory checks.
static bool devpts_refuses_o_tmpfile_to_root() {
#ifdef _WIN32
  return false;  // the case is skipped on Windows
#else
  const int fd = ::open("/dev/pts", O_TMPFILE | O_RDWR, 0600);
  if (fd >= 0) ::close(fd);
  return is_root() && fd < 0 && errno == EOPNOTSUPP;
#endif
}

BOOST_AUTO_TEST_CASE(a_filesystem_without_o_tmpfile_is_a_clear_error,
                     *boost::unit_test::precondition(skip_on_windows{"O_TMPFILE on /dev/pts (Linux)"}) *
                         boost::unit_test::precondition(
                             [](boost::unit_test::test_unit_id) { return devpts_refuses_o_tmpfile_to_root(); })) {
  scratch s;
  tfm::temp_file_manager m("d_", s.dir / "root");
  expect_error([&] { m.create_unnamed_file(tfm::create_options().directory("/dev/pts")); }, EOPNOTSUPP,
          "does not support unnamed files (O_TMPFILE)", "/dev/pts");
}

BOOST_AUTO_TEST_CASE(sigkill_then_sweep_removes_them_by_name) {
  scratch s;
  const fs::path root = s.dir / "root", out = s.dir / "out";
  fs::create_directories(root);
  fs::create_directories(out);
  write_file(out / "keep", "theirs");
  const pid_t pid = spawn(child_program(), {"hold-in", root.string(), out.string(), (s.dir / "ready").string()});
  BOOST_REQUIRE(wait_for_file(s.dir / "ready", 60));
  const std::vector<std::string> paths = read_lines(s.dir / "ready");
  BOOST_REQUIRE(paths.size() == 2u);
  kill_hard(pid);
  wait_for(pid);
  BOOST_TEST(exists_nofollow(paths[0]));
  BOOST_TEST(exists_nofollow(paths[1]));
  // Created at random names, O_EXCL: removed by name. The file's name now holds a symlink to a
  // file of theirs: the link is unlinked, its target untouched.
  fs::remove(paths[0]);
  fs::create_symlink(out / "keep", paths[0]);
  const tfm::sweep_report rep = tfm::sweep(fs::canonical(root));
  BOOST_REQUIRE(rep.removed.size() == 2u);
  BOOST_TEST(rep.forgotten.empty());
  BOOST_TEST(!exists_nofollow(paths[0]));
  BOOST_TEST(!exists_nofollow(paths[1]));
  BOOST_TEST(read_file(out / "keep") == "theirs");
  BOOST_TEST(tfm::list_entries(fs::canonical(root)).empty());
}
