// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Another user in the temp dir (CWE-377/379): a real second account ("nobody", in a child
// process) pre-creates the default root, the registry's directory, the old semaphore name, or plants
// an explicit base_dir. The manager never writes through them, never trusts them, and fails with an
// error that says why;
// no file of the victim's is changed. A second user's sweep never removes the victim's entries.
// Needs root to act as two users: CI and the README run the tests as root.
#define BOOST_TEST_MODULE test_hostile_user
#include "support.hpp"

#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/temp_file_manager.hpp>

#include <cstdio>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

namespace {

// Runs fn as nobody in a child; requires the child to succeed.
void as_attacker(const std::function<int()>& fn) {
  child_result r = run_forked([&] { return drop_to_nobody() ? fn() : 98; });
  BOOST_REQUIRE_MESSAGE(r.exited_with(0), "the attacker's setup failed: " << r.out);
}

// A directory both users can write, like /tmp (sticky, 1777).
fs::path shared_tmp(const scratch& s) {
  const fs::path t = s.dir / "tmp";
  fs::create_directories(t);
  ::chmod(s.dir.c_str(), 0755);
  ::chmod(t.c_str(), 01777);
  return t;
}

template <class F>
std::string refusal(F make) {
  try {
    make();
  } catch (const fs::filesystem_error& e) {
    return e.what();
  }
  return "";
}

struct env_tmpdir {
  std::string old;
  bool had;
  explicit env_tmpdir(const fs::path& t) {
    const char* o = std::getenv("TMPDIR");
    had = o != nullptr;
    if (o) old = o;
    ::setenv("TMPDIR", t.c_str(), 1);
    ::unsetenv("BOOST_TEMPFM_ROOT");
  }
  ~env_tmpdir() {
    if (had) ::setenv("TMPDIR", old.c_str(), 1); else ::unsetenv("TMPDIR");
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(attacker_owned_default_root_is_refused, *boost::unit_test::precondition([](auto) {
                       return ::geteuid() == 0;
                     })) {
  scratch s;
  const fs::path tmp = shared_tmp(s);
  const fs::path root = tmp / ("tempfm-" + std::to_string(::geteuid()));
  as_attacker([&] { return ::mkdir(root.c_str(), 0777) == 0 && ::chmod(root.c_str(), 0777) == 0 ? 0 : 1; });
  env_tmpdir e(tmp);
  const std::string why = refusal([] { tfm::temp_file_manager m; });
  BOOST_TEST(why.find("refusing the temp root") != std::string::npos, why);
  BOOST_TEST(listing(root).empty());  // nothing written into the attacker's directory
}

BOOST_AUTO_TEST_CASE(attacker_symlink_as_default_root_is_refused, *boost::unit_test::precondition([](auto) {
                       return ::geteuid() == 0;
                     })) {
  scratch s;
  const fs::path tmp = shared_tmp(s);
  const fs::path victim_dir = s.dir / "victim-data";
  fs::create_directories(victim_dir);
  write_file(victim_dir / "important", "data");
  ::chmod(victim_dir.c_str(), 0711);
  const fs::path root = tmp / ("tempfm-" + std::to_string(::geteuid()));
  as_attacker([&] { return ::symlink(victim_dir.c_str(), root.c_str()) == 0 ? 0 : 1; });
  env_tmpdir e(tmp);
  const std::string why = refusal([] { tfm::temp_file_manager m; });
  BOOST_TEST(why.find("reached through the symlink " + root.string() + ", owned by uid 65534") != std::string::npos, why);
  BOOST_TEST(listing(victim_dir) == std::set<std::string>{"important"});
  BOOST_TEST(mode_of(victim_dir) == 0711u);
}

BOOST_AUTO_TEST_CASE(attacker_registry_dir_in_a_shared_root_is_refused, *boost::unit_test::precondition([](auto) {
                       return ::geteuid() == 0;
                     })) {
  // A shared base_dir (1777): the attacker makes the victim's registry directory, as a
  // directory of theirs and as a symlink to a directory of the victim's.
  scratch s;
  const fs::path tmp = shared_tmp(s);
  const fs::path regdir = tmp / (".tempfm-" + std::to_string(::geteuid()));
  as_attacker([&] { return ::mkdir(regdir.c_str(), 0777) == 0 && ::chmod(regdir.c_str(), 0777) == 0 ? 0 : 1; });
  std::string why = refusal([&] { tfm::temp_file_manager m("v_", tmp); });
  BOOST_TEST(why.find("refusing the registry: owned by uid 65534") != std::string::npos, why);
  BOOST_TEST(listing(regdir).empty());
  as_attacker([&] { return ::rmdir(regdir.c_str()) == 0 ? 0 : 1; });
  const fs::path victim_dir = s.dir / "victim-data";
  fs::create_directories(victim_dir);
  ::chmod(victim_dir.c_str(), 0700);
  as_attacker([&] { return ::symlink(victim_dir.c_str(), regdir.c_str()) == 0 ? 0 : 1; });
  why = refusal([&] { tfm::temp_file_manager m("v_", tmp); });
  BOOST_TEST(why.find("refusing the registry: not a directory") != std::string::npos, why);
  BOOST_TEST(fs::is_empty(victim_dir));  // no registry written through the link
}

BOOST_AUTO_TEST_CASE(nothing_named_outside_the_root_to_plant, *boost::unit_test::precondition([](auto) {
                       return ::geteuid() == 0;
                     })) {
  // Version 0.1 named a POSIX semaphore after the root in /dev/shm, which an attacker could make
  // first. Now the lock is a file in the victim's private registry directory: the attacker's
  // object at the old name is neither used nor touched.
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  ::chmod(root.c_str(), 0700);
  const fs::path sem = legacy_semaphore(fs::canonical(root));
  ::unlink(sem.c_str());
  as_attacker([&] {
    // A POSIX semaphore file with value 0 (taken): 32 zero bytes, mode 0666.
    const int fd = ::open(sem.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0666);
    if (fd < 0) return 1;
    const char zero[32] = {};
    const bool ok = ::write(fd, zero, sizeof zero) == ssize_t(sizeof zero) && ::fchmod(fd, 0666) == 0;
    ::close(fd);
    return ok ? 0 : 1;
  });
  {
    tfm::temp_file_manager m("v_", root);
    tfm::temp_file f = m.create_temp_file();
    BOOST_TEST(tfm::list_entries(m.root()).size() == 1u);
    BOOST_TEST(mode_of(tfm::registry_dir(m.root()) / "locks") == 0600u);
  }
  struct stat st;
  BOOST_REQUIRE(::lstat(sem.c_str(), &st) == 0);  // untouched
  BOOST_TEST(st.st_uid == nobody_uid);
  ::unlink(sem.c_str());
}

BOOST_AUTO_TEST_CASE(planted_base_dir_symlink_is_refused, *boost::unit_test::precondition([](auto) {
                       return ::geteuid() == 0;
                     })) {
  // The attacker plants the victim's usual cache directory as a symlink to their own 0777 one.
  scratch s;
  const fs::path tmp = shared_tmp(s);
  const fs::path trap = tmp / "attacker-dir";
  const fs::path planted = tmp / "myapp-cache";
  as_attacker([&] {
    return ::mkdir(trap.c_str(), 0777) == 0 && ::chmod(trap.c_str(), 0777) == 0 &&
                   ::symlink(trap.c_str(), planted.c_str()) == 0
               ? 0
               : 1;
  });
  const std::string why = refusal([&] { tfm::temp_file_manager m("v_", planted); });
  BOOST_TEST(why.find("reached through the symlink " + planted.string() + ", owned by uid 65534") != std::string::npos,
             why);
  BOOST_TEST(fs::is_empty(trap));  // nothing created, not even the registry
  // Through a path that only passes the planted link on the way.
  const std::string why2 = refusal([&] { tfm::temp_file_manager m("v_", planted / "sub"); });
  BOOST_TEST(why2.find("owned by uid 65534") != std::string::npos, why2);
  BOOST_TEST(fs::is_empty(trap));
}

BOOST_AUTO_TEST_CASE(foreign_or_open_base_dir_is_refused, *boost::unit_test::precondition([](auto) {
                       return ::geteuid() == 0;
                     })) {
  scratch s;
  const fs::path tmp = shared_tmp(s);
  const fs::path open_dir = tmp / "open", private_dir = tmp / "theirs";
  as_attacker([&] {
    return ::mkdir(open_dir.c_str(), 0777) == 0 && ::chmod(open_dir.c_str(), 0777) == 0 &&
                   ::mkdir(private_dir.c_str(), 0700) == 0
               ? 0
               : 1;
  });
  // Another user's directory, open to all or not: it is theirs, they can swap what is in it.
  std::string why = refusal([&] { tfm::temp_file_manager m("v_", open_dir); });
  BOOST_TEST(why.find("refusing the temp root: is owned by uid 65534") != std::string::npos, why);
  why = refusal([&] { tfm::temp_file_manager m("v_", private_dir); });
  BOOST_TEST(why.find("is owned by uid 65534") != std::string::npos, why);
  // A new root below a directory someone else can write: refused before it is created.
  why = refusal([&] { tfm::temp_file_manager m("v_", open_dir / "mine"); });
  BOOST_TEST(why.find("the directory above it " + open_dir.string()) != std::string::npos, why);
  BOOST_TEST(fs::is_empty(open_dir));
  BOOST_TEST(fs::is_empty(private_dir));
  // A directory of the victim's own that is open to others without the sticky bit.
  const fs::path mine_open = s.dir / "mine-open";
  fs::create_directories(mine_open);
  ::chmod(mine_open.c_str(), 0777);
  why = refusal([&] { tfm::temp_file_manager m("v_", mine_open); });
  BOOST_TEST(why.find("writable by other users without the sticky bit (mode 0777)") != std::string::npos, why);
  BOOST_TEST(fs::is_empty(mine_open));
  // The shared sticky directory itself (like /tmp) is fine: each user's registry is private.
  tfm::temp_file_manager ok("v_", tmp);
  BOOST_TEST(fs::exists(ok.create_temp_file().path().parent_path() / (".tempfm-" + std::to_string(::geteuid()))));
}

BOOST_AUTO_TEST_CASE(another_users_sweep_never_removes_the_victims_entries,
                     *boost::unit_test::precondition([](auto) { return ::geteuid() == 0; })) {
  scratch s;
  const fs::path tmp = shared_tmp(s);
  tfm::temp_file_manager m("v_", tmp);
  tfm::temp_file f = m.create_temp_file();
  write_file(s.dir / "registered", "mine");
  m.register_file(s.dir / "registered");
  as_attacker([&] {
    // The attacker's tools see only the attacker's registry in that root, and sweep it all.
    tfm::sweep_options all;
    all.all = true;
    tfm::sweep_report rep = tfm::sweep(fs::canonical(tmp), all);
    tfm::temp_file_manager theirs("a_", tmp);  // sweeps at start too
    return rep.removed.empty() && tfm::list_entries(fs::canonical(tmp)).empty() ? 0 : 1;
  });
  BOOST_TEST(fs::exists(f.path()));
  BOOST_TEST(read_file(s.dir / "registered") == "mine");
  BOOST_TEST(tfm::list_entries(m.root()).size() == 2u);
}
