// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// A process SIGKILLed while it holds the registry lock must not hang anyone: the others finish in
// seconds, exactly one of them recovers the lock, and the registry stays consistent. Processes
// killed at random moments (inside and outside the lock) never lose track of a file.
#define BOOST_TEST_MODULE test_lock_recovery
#include "support.hpp"

#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/temp_file_manager.hpp>

#include <signal.h>

#include <chrono>
#include <random>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

namespace {

std::string stats(const fs::path& root) {
  exec_result r = run_program(program("tempfm_test_lock"), {"stats", root.string()});
  BOOST_REQUIRE(r.exited_with(0));
  return r.out;
}

// Kills a lock holder started in `mode`, then runs `workers` churners; returns their wall time.
double holder_killed_then_churn(const std::string& mode, int workers) {
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  const pid_t holder = spawn(program("tempfm_test_lock"), {mode, root.string(), (s.dir / "ready").string()});
  BOOST_REQUIRE(wait_for_file(s.dir / "ready", 20));
  ::kill(holder, SIGKILL);
  wait_for(holder);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<pid_t> pids;
  for (int i = 0; i < workers; ++i)
    pids.push_back(spawn(child_program(), {"churn", root.string(), "200", (s.dir / ("out" + std::to_string(i))).string()}));
  int finished = 0;
  for (pid_t p : pids) finished += WIFEXITED(wait_for(p)) ? 1 : 0;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  BOOST_TEST(finished == workers);
  for (int i = 0; i < workers; ++i) BOOST_TEST(read_file(s.dir / ("out" + std::to_string(i))) == "200\n");
  BOOST_TEST(stats(fs::canonical(root)) == "recoveries 1 live 0\n");  // exactly one recovery
  BOOST_TEST(listing(root).empty());
  return secs;
}

}  // namespace

BOOST_AUTO_TEST_CASE(holder_killed_inside_the_lock) {
  const double secs = holder_killed_then_churn("hold", 4);
  BOOST_TEST_MESSAGE("4 workers finished " << secs << " s after the holder died");
  BOOST_TEST(secs < 10.0);
}

BOOST_AUTO_TEST_CASE(holder_killed_before_it_recorded_itself) {
  // The semaphore taken and nothing recorded: recovered after the 2 s grace period.
  const double secs = holder_killed_then_churn("sem", 4);
  BOOST_TEST_MESSAGE("4 workers finished " << secs << " s after the holder died");
  BOOST_TEST(secs < 15.0);
}

BOOST_AUTO_TEST_CASE(random_sigkills_never_lose_a_file) {
  // Churners are killed at random moments for a few seconds; one sweep afterwards must leave
  // no entry and no file: every file was registered before it existed.
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  std::mt19937 rng(12345);
  std::vector<pid_t> pids;
  auto start_one = [&](int i) {
    return spawn(child_program(), {"churn", root.string(), "1000000", (s.dir / ("o" + std::to_string(i))).string()});
  };
  for (int i = 0; i < 4; ++i) pids.push_back(start_one(i));
  int kills = 0;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(4);
  while (std::chrono::steady_clock::now() < end) {
    ::usleep(static_cast<useconds_t>(20000 + rng() % 60000));
    const std::size_t victim = rng() % pids.size();
    ::kill(pids[victim], SIGKILL);
    wait_for(pids[victim]);
    ++kills;
    pids[victim] = start_one(kills + 10);
  }
  for (pid_t p : pids) {
    ::kill(p, SIGKILL);
    wait_for(p);
  }
  const fs::path canon = fs::canonical(root);
  BOOST_TEST_MESSAGE(kills << " kills; leftovers before the sweep: " << listing(root).size());
  const auto t0 = std::chrono::steady_clock::now();
  tfm::sweep_report rep = tfm::sweep(canon);
  BOOST_TEST((std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10)));
  BOOST_TEST(rep.failed.empty());
  BOOST_TEST(tfm::list_entries(canon).empty());
  BOOST_TEST(listing(root).empty(), listing(root).size() << " files left untracked");
  BOOST_TEST(kills > 10);
}

BOOST_AUTO_TEST_CASE(holder_that_is_an_unreaped_zombie_counts_as_dead) {
  // /proc still lists a zombie with its start time; it must not pass for a live holder.
  scratch s;
  fs::create_directories(s.dir / "root");
  exec_result r = run_program(program("tempfm_test_lock"), {"zombie", (s.dir / "root").string()});
  BOOST_TEST(r.exited_with(0), "status " << r.status << " " << r.err);
}

BOOST_AUTO_TEST_CASE(forked_siblings_recover_exactly_once) {
  // Children of one process share every descriptor inherited from it; the recovery lock must
  // still let only one of them take over the dead sibling's lock.
  scratch s;
  fs::create_directories(s.dir / "root");
  exec_result r = run_program(program("tempfm_test_lock"), {"family", (s.dir / "root").string(), "5"});
  BOOST_TEST(r.exited_with(0), r.out << r.err);
  BOOST_TEST(r.out == "finished 4 recoveries 1 live 0\n");
}
