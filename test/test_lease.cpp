// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// An owner is alive exactly while the kernel says its lease is held: never guessed from a pid or
// from /proc. Checked with real processes where a pid lies: in a child PID namespace (what a
// container is), under /proc mounted hidepid=2, after fork() and after exec().
#define BOOST_TEST_MODULE test_lease
#include "support.hpp"

#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/temp_file_manager.hpp>

#include <signal.h>
#include <sys/mount.h>
#include <sched.h>

#include <chrono>
#include <thread>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

namespace {

struct holder {
  pid_t pid = -1;                  // as this test sees it (the `unshare` process for a namespace)
  std::vector<std::string> paths;  // file, dir, registered outside file
};

holder wait_ready(pid_t pid, const fs::path& ready) {
  holder h;
  h.pid = pid;
  BOOST_REQUIRE_MESSAGE(wait_for_file(ready, 60), "the holder never got ready");
  h.paths = read_lines(ready);
  BOOST_REQUIRE(h.paths.size() == 3u);
  return h;
}

void all_exist(const holder& h) {
  for (const std::string& p : h.paths) BOOST_TEST(exists_nofollow(p), p << " was removed while its owner lives");
}

void none_exist(const holder& h) {
  for (const std::string& p : h.paths) BOOST_TEST(!exists_nofollow(p), p);
}

// The entries of the owner of `path`.
std::vector<tfm::registry_entry> entries_with(const fs::path& root, const std::string& path) {
  std::vector<tfm::registry_entry> all = tfm::list_entries(root), out;
  tfm::owner_id owner;
  for (const tfm::registry_entry& e : all)
    if (e.path == path) owner = e.owner;
  for (const tfm::registry_entry& e : all)
    if (e.owner == owner && owner.instance != 0) out.push_back(e);
  return out;
}

// Waits (bounded) until the owner of path is reported dead; true if it was.
bool wait_until_dead(const fs::path& root, const std::string& path) {
  for (int i = 0; i < 12000; ++i) {
    std::vector<tfm::registry_entry> es = entries_with(root, path);
    if (!es.empty() && !es.front().owner_alive) return true;
    ::usleep(5000);
  }
  return false;
}

// Every way a process on the host cleans a root at start or on request.
void host_sweeps(const fs::path& root) {
  (void)tfm::sweep(root);
  tfm::temp_file_manager full("host_", root, tfm::startup_sweep::full);
  exec_result r = run_program(program("tempfm"), {"run", "--root", root.string(), "--", "true"});
  BOOST_TEST(r.exited_with(0), r.err);
}

}  // namespace

BOOST_AUTO_TEST_CASE(owners_in_a_child_pid_namespace_and_on_the_host_never_sweep_each_other,
                     *boost::unit_test::precondition([](auto) { return can_unshare(); })) {
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  const fs::path canon = fs::canonical(root);
  holder host = wait_ready(spawn(child_program(), {"hold", root.string(), (s.dir / "out_host").string(),
                                                   (s.dir / "ready_host").string()}),
                           s.dir / "ready_host");
  // What a container runtime does: a new PID namespace (the worker is pid 1 there) and its own /proc.
  holder boxed = wait_ready(spawn("/usr/bin/unshare", {"--pid", "--fork", "--mount-proc", "--kill-child=SIGKILL",
                                                       child_program(), "hold", root.string(),
                                                       (s.dir / "out_box").string(), (s.dir / "ready_box").string()}),
                            s.dir / "ready_box");
  std::vector<tfm::registry_entry> box_entries = entries_with(canon, boxed.paths[0]);
  BOOST_REQUIRE(box_entries.size() == 3u);
  BOOST_TEST(box_entries.front().owner.pid == 1u);  // its pid means nothing out here
  // Which PID namespace it runs in is for display only (0: unknown, with the portable backend).
  if (!portable_backend) BOOST_TEST(box_entries.front().owner.pid_namespace != tfm::current_process().pid_namespace);
  BOOST_TEST(box_entries.front().owner_alive);

  host_sweeps(root);  // the host sweeps: the boxed worker's files stay
  all_exist(boxed);
  all_exist(host);
  // From inside another PID namespace, the host's worker is invisible: its files stay too.
  BOOST_TEST(std::system(("unshare --pid --fork --mount-proc " + program("tempfm") + " sweep --root " + root.string() +
                          " >/dev/null 2>&1")
                             .c_str()) == 0);
  all_exist(host);
  all_exist(boxed);

  // The lock too: a holder in the box is a holder for the host.
  const fs::path lock_ready = s.dir / "lock_ready";
  const pid_t boxed_lock = spawn("/usr/bin/unshare", {"--pid", "--fork", "--mount-proc", "--kill-child=SIGKILL",
                                                      program("tempfm_test_lock"), "hold", root.string(),
                                                      lock_ready.string()});
  BOOST_REQUIRE(wait_for_file(lock_ready, 60));
  exec_result tried = run_program(program("tempfm_test_lock"), {"try", root.string()});
  BOOST_TEST(tried.exited_with(1), "the host took the lock of a live holder in a PID namespace");
  ::kill(boxed_lock, SIGKILL);
  wait_for(boxed_lock);

  // Killed: now its files are the host's to sweep, and only its files.
  ::kill(boxed.pid, SIGKILL);
  wait_for(boxed.pid);
  BOOST_REQUIRE(wait_until_dead(canon, boxed.paths[0]));
  tfm::sweep_report rep = tfm::sweep(canon);
  BOOST_TEST(rep.removed.size() == 3u);
  none_exist(boxed);
  all_exist(host);
  ::kill(host.pid, SIGKILL);
  wait_for(host.pid);
}

BOOST_AUTO_TEST_CASE(a_live_owner_hidden_by_hidepid_is_kept, *boost::unit_test::precondition([](auto) {
                       return can_unshare();
                     })) {
  // /proc mounted hidepid=2 hides a non-dumpable process (like ssh-agent) even from its own user.
  scratch s;
  const fs::path root = s.dir / "root", out = s.dir / "outside";
  fs::create_directories(root);
  fs::create_directories(out);
  give_to_nobody(s.dir);
  holder owner = wait_ready(spawn(child_program(), {"hold-nodump", root.string(), (out / "kept").string(),
                                                     (out / "ready").string()},
                                  true),
                            out / "ready");
  const fs::path canon = fs::canonical(root);
  child_result r = run_forked([&] {
    child_checks check;
    // A private mount namespace with a hidepid=2 /proc, then become the owner's user.
    if (::unshare(CLONE_NEWNS) != 0 || ::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2") != 0 || !drop_to_nobody())
      return 90;
    const std::string proc = "/proc/" + std::to_string(owner.pid);
    check(!fs::exists(proc), "hidepid does not hide the owner: the test proves nothing");
    (void)tfm::sweep(canon);
    { tfm::temp_file_manager m("hidden_", root, tfm::startup_sweep::full); }
    for (const std::string& p : owner.paths) check(exists_nofollow(p), p + " was swept while its owner lives");
    bool alive = false;
    for (const tfm::registry_entry& e : tfm::list_entries(canon)) alive = alive || e.owner_alive;
    check(alive, "the hidden owner is listed as dead");
    return check.failed;
  });
  BOOST_TEST(r.exited_with(0), r.out);
  all_exist(owner);
  ::kill(owner.pid, SIGKILL);
  wait_for(owner.pid);
  child_result swept = run_forked([&] { return drop_to_nobody() && tfm::sweep(canon).removed.size() == 3u ? 0 : 1; });
  BOOST_TEST(swept.exited_with(0), swept.out);  // its registry is its user's: swept as that user
  none_exist(owner);
}

BOOST_AUTO_TEST_CASE(a_forked_child_is_an_owner_of_its_own) {
  // The parent dies; its child lives on: the parent's files go, the child's stay.
  scratch s;
  const fs::path root = s.dir / "root";
  const fs::path child_file = s.dir / "child_file", ready = s.dir / "ready";
  fs::create_directories(root);
  const pid_t parent = ::fork();
  BOOST_REQUIRE(parent >= 0);
  if (parent == 0) {
    ::setpgid(0, 0);
    tfm::temp_file_manager m("fam_", root);
    tfm::temp_file mine = m.create_temp_file(".parent");
    const pid_t child = ::fork();
    if (child == 0) {
      tfm::temp_file theirs = m.create_temp_file(".child");
      write_file(child_file.string() + ".tmp", theirs.path().string());
      fs::rename(child_file.string() + ".tmp", child_file);  // whole, or not there
      for (;;) ::pause();
    }
    while (!fs::exists(child_file)) ::usleep(1000);
    write_file(ready, mine.path().string() + "\n" + std::to_string(child) + "\n");
    ::fs::rename(ready, s.dir / "ready_done");
    for (;;) ::pause();
  }
  BOOST_REQUIRE(wait_for_file(s.dir / "ready_done", 60));
  const std::vector<std::string> lines = read_lines(s.dir / "ready_done");
  const std::string parent_file = lines.at(0), child_path = read_file(child_file);
  const pid_t child = static_cast<pid_t>(std::stol(lines.at(1)));
  ::kill(parent, SIGKILL);
  wait_for(parent);
  const fs::path canon = fs::canonical(root);
  BOOST_REQUIRE(wait_until_dead(canon, parent_file));
  tfm::sweep_report rep = tfm::sweep(canon);
  BOOST_TEST(rep.removed.size() == 1u);
  BOOST_TEST(!exists_nofollow(parent_file));
  BOOST_TEST(exists_nofollow(child_path));
  BOOST_TEST(entries_with(canon, child_path).at(0).owner_alive);
  ::kill(child, SIGKILL);
  BOOST_REQUIRE(wait_until_dead(canon, child_path));
  BOOST_TEST(tfm::sweep(canon).removed.size() == 1u);
  BOOST_TEST(!exists_nofollow(child_path));
}

BOOST_AUTO_TEST_CASE(an_execd_program_is_a_new_owner) {
  // The same pid runs another program after exec: what the old program made is nobody's now.
  scratch s;
  const fs::path root = s.dir / "root", ready = s.dir / "ready", stamp = s.dir / "stamp";
  fs::create_directories(root);
  const pid_t pid = spawn(program("tempfm_test_lock"), {"exec-owner", root.string(), ready.string(), stamp.string()});
  BOOST_REQUIRE(wait_for_file(stamp, 60));
  const std::string made = read_lines(ready).at(0);
  const fs::path canon = fs::canonical(root);
  std::vector<tfm::registry_entry> es = entries_with(canon, made);
  BOOST_REQUIRE(es.size() == 1u);
  BOOST_TEST(es[0].owner.pid == static_cast<std::uint32_t>(pid));
  BOOST_TEST(!es[0].owner_alive);
  BOOST_TEST(::kill(pid, 0) == 0);  // the process lives on
  BOOST_TEST(tfm::sweep(canon).removed.size() == 1u);
  BOOST_TEST(!exists_nofollow(made));
  ::kill(pid, SIGKILL);
  wait_for(pid);
}

BOOST_AUTO_TEST_CASE(a_root_reached_by_another_path_keeps_its_owners_leases) {
  // The root is renamed while its owner runs, and the owner then looks at it by its new path: one
  // registry per registry directory, so the process never opens `locks` twice (closing a second
  // descriptor would drop all its leases, and a sweep elsewhere would take its files).
  scratch s;
  const fs::path before = s.dir / "root", after = s.dir / "renamed";
  fs::create_directories(before);
  const fs::path made = s.dir / "made";
  const pid_t owner = ::fork();
  BOOST_REQUIRE(owner >= 0);
  if (owner == 0) {
    tfm::temp_file_manager m("alias_", before);
    tfm::temp_file f = m.create_temp_file();
    fs::rename(before, after);
    (void)tfm::list_entries(after);  // opened and closed again by the new path
    { tfm::temp_file_manager other("other_", after, tfm::startup_sweep::none); }
    write_file(made.string() + ".tmp", (after / f.path().filename()).string());
    fs::rename(made.string() + ".tmp", made);
    for (;;) ::pause();
  }
  BOOST_REQUIRE(wait_for_file(made, 60));
  const std::string path = read_file(made);
  const fs::path canon = fs::canonical(after);
  child_result r = run_forked([&] { return tfm::sweep(canon).removed.empty() ? 0 : 1; });  // another process
  BOOST_TEST(r.exited_with(0), r.out);
  BOOST_TEST(exists_nofollow(path), "the live owner's file was swept");
  std::vector<tfm::registry_entry> es = entries_with(canon, path);
  BOOST_TEST((!es.empty() && es[0].owner_alive));
  ::kill(owner, SIGKILL);
  wait_for(owner);
}
