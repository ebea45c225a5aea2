// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// The registry lock is a kernel lock: a holder that dies or execs releases it at once; a holder
// that is stopped keeps it however long, and nobody takes it from it (no timeout, no "recovery");
// forked children and zombies behave. Real processes, real signals, real exec.
#define BOOST_TEST_MODULE test_registry_lock
#include "support.hpp"

#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/temp_file_manager.hpp>

#include <signal.h>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

namespace {

std::string lock_program() { return program("tempfm_test_lock"); }

// 0: the registry lock of root was free (and is again), 1: another process holds it.
int try_lock(const fs::path& root) {
  exec_result r = run_program(lock_program(), {"try", root.string()});
  BOOST_REQUIRE(WIFEXITED(r.status));
  return WEXITSTATUS(r.status);
}

std::vector<pid_t> start_churners(const scratch& s, const fs::path& root, int n, int files) {
  std::vector<pid_t> pids;
  for (int i = 0; i < n; ++i)
    pids.push_back(spawn(child_program(), {"churn", root.string(), std::to_string(files),
                                           (s.dir / ("out" + std::to_string(i))).string()}));
  return pids;
}

void all_finish(const scratch& s, std::vector<pid_t>& pids, int files) {
  for (std::size_t i = 0; i < pids.size(); ++i) {
    const int st = wait_for(pids[i]);
    BOOST_TEST((WIFEXITED(st) && WEXITSTATUS(st) == 0), "churner " << i << " status " << st);
    BOOST_TEST(read_file(s.dir / ("out" + std::to_string(i))) == std::to_string(files) + "\n");
  }
}

// Mutual exclusion holds: while one process holds the lock, another cannot take it; once it is
// gone, the lock is free. (A semaphore posted twice would let both in.)
void lock_is_exclusive_and_free(const scratch& s, const fs::path& root) {
  BOOST_TEST(try_lock(root) == 0);
  const fs::path ready = s.dir / "holder-ready";
  const pid_t holder = spawn(lock_program(), {"hold", root.string(), ready.string()});
  BOOST_REQUIRE(wait_for_file(ready, 60));
  BOOST_TEST(try_lock(root) == 1);
  ::kill(holder, SIGKILL);
  wait_for(holder);
  BOOST_TEST(try_lock(root) == 0);
  fs::remove(ready);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_holder_killed_inside_the_lock_releases_it_at_once) {
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  const fs::path ready = s.dir / "ready";
  const pid_t holder = spawn(lock_program(), {"hold", root.string(), ready.string()});
  BOOST_REQUIRE(wait_for_file(ready, 60));
  BOOST_TEST(try_lock(root) == 1);
  ::kill(holder, SIGKILL);
  wait_for(holder);
  std::vector<pid_t> pids = start_churners(s, root, 4, 200);
  all_finish(s, pids, 200);
  lock_is_exclusive_and_free(s, root);
  BOOST_TEST(tfm::list_entries(fs::canonical(root)).empty());
  BOOST_TEST(listing(root).empty());
}

void stopped_holder(const std::string& instant) {
  // The holder stops (SIGSTOP: Ctrl-Z, a debugger, a frozen cgroup) right after taking the lock, or
  // right before giving it back, and stays stopped 5 s: the others wait for it, nobody breaks in.
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  const pid_t holder = spawn(lock_program(), {"stop", root.string(), instant, "50"});
  int st = 0;
  while (::waitpid(holder, &st, WUNTRACED) < 0 && errno == EINTR) {
  }
  BOOST_REQUIRE_MESSAGE(WIFSTOPPED(st), "the holder did not stop: status " << st);
  std::vector<pid_t> pids = start_churners(s, root, 4, 200);
  ::sleep(5);  // the scenario: stopped for 5 s (nothing waits on this; the checks below do not time)
  BOOST_TEST(try_lock(root) == 1);  // still the stopped holder's
  for (std::size_t i = 0; i < pids.size(); ++i) {
    int cst = 0;
    BOOST_TEST(::waitpid(pids[i], &cst, WNOHANG) == 0, "churner " << i << " got past a stopped holder");
  }
  ::kill(holder, SIGCONT);
  const int hst = wait_for(holder);
  BOOST_TEST((WIFEXITED(hst) && WEXITSTATUS(hst) == 0), "holder status " << hst);
  all_finish(s, pids, 200);
  lock_is_exclusive_and_free(s, root);
  BOOST_TEST(tfm::list_entries(fs::canonical(root)).empty());  // nothing lost, nothing doubled
  BOOST_TEST(listing(root).empty());
}

BOOST_AUTO_TEST_CASE(a_holder_stopped_after_taking_the_lock_is_never_robbed) { stopped_holder("taken"); }

BOOST_AUTO_TEST_CASE(a_holder_stopped_before_giving_the_lock_back_is_never_robbed) { stopped_holder("released"); }

BOOST_AUTO_TEST_CASE(exec_while_another_thread_holds_the_lock_releases_it) {
  // One thread holds the lock while another calls execve: the new program does not inherit it
  // (the descriptor is O_CLOEXEC), so a waiter gets it at once, not when the new program ends.
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  const fs::path ready = s.dir / "ready", stamp = s.dir / "stamp", acquired = s.dir / "acquired";
  int go[2];
  BOOST_REQUIRE(::pipe(go) == 0);
  const pid_t execer = ::fork();
  BOOST_REQUIRE(execer >= 0);
  if (execer == 0) {
    ::dup2(go[0], 0);
    ::close(go[0]);
    ::close(go[1]);
    exec_or_die(lock_program(), {"exec", root.string(), ready.string(), stamp.string()});
  }
  ::close(go[0]);
  BOOST_REQUIRE(wait_for_file(ready, 60));
  const pid_t waiter = spawn(lock_program(), {"wait", root.string(), acquired.string()});
  BOOST_TEST(try_lock(root) == 1);
  BOOST_REQUIRE(::write(go[1], "x", 1) == 1);
  const int wst = wait_for(waiter);
  BOOST_TEST((WIFEXITED(wst) && WEXITSTATUS(wst) == 0));
  BOOST_REQUIRE(wait_for_file(stamp, 60));
  const long long exec_ns = std::stoll(read_file(stamp)), got_ns = std::stoll(read_file(acquired));
  BOOST_TEST_MESSAGE("the waiter got the lock " << static_cast<double>(got_ns - exec_ns) / 1e6 << " ms after the new program started");
  BOOST_TEST(got_ns - exec_ns < 100000000LL);  // expected: before it even started
  int est = 0;
  BOOST_TEST(::waitpid(execer, &est, WNOHANG) == 0);  // the new program still runs
  ::kill(execer, SIGKILL);
  wait_for(execer);
  ::close(go[1]);
  lock_is_exclusive_and_free(s, root);
}

BOOST_AUTO_TEST_CASE(a_holder_that_is_an_unreaped_zombie_holds_nothing) {
  scratch s;
  fs::create_directories(s.dir / "root");
  exec_result r = run_program(lock_program(), {"zombie", (s.dir / "root").string()});
  BOOST_TEST(r.exited_with(0), "status " << r.status << " " << r.err);
}

BOOST_AUTO_TEST_CASE(forked_siblings_exclude_each_other) {
  // Children of one process share every inherited descriptor; POSIX record locks still belong to
  // each process: they exclude each other, and a sibling dying in the lock releases it.
  scratch s;
  fs::create_directories(s.dir / "root");
  exec_result r = run_program(lock_program(), {"family", (s.dir / "root").string(), "5"});
  BOOST_TEST(r.exited_with(0), r.out << r.err);
  BOOST_TEST(r.out == "finished 4 entries 0\n");
}

BOOST_AUTO_TEST_CASE(removals_never_wait_for_a_stopped_holder) {
  // Removing temp files takes no cross-process lock: with the registry lock held by another
  // process for as long as the test lasts, 200 removals (which empty blocks a process would give
  // back) and the exit still finish; the blocks are freed later by a sweep.
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  const fs::path ready = s.dir / "ready", go = s.dir / "go", held = s.dir / "held";
  const pid_t dropper = spawn(lock_program(), {"drop", root.string(), ready.string(), go.string()});
  BOOST_REQUIRE(wait_for_file(ready, 60));
  const pid_t holder = spawn(lock_program(), {"hold", root.string(), held.string()});
  BOOST_REQUIRE(wait_for_file(held, 60));
  ::kill(holder, SIGSTOP);  // and stopped, for good measure
  write_file(go, "go");
  const int st = wait_for(dropper);  // a hang here is the bug (ctest's timeout reports it)
  BOOST_TEST((WIFEXITED(st) && WEXITSTATUS(st) == 0), "status " << st);
  BOOST_TEST(listing(root).empty());
  BOOST_TEST(try_lock(root) == 1);  // still the stopped holder's
  ::kill(holder, SIGKILL);
  wait_for(holder);
  (void)tfm::sweep(fs::canonical(root));  // frees the dead dropper's empty blocks
  exec_result r = run_program(lock_program(), {"blocks", root.string()});
  BOOST_TEST(r.out == "0\n");
}
