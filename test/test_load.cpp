// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Load: 8 processes x 4 threads creating, registering and cleaning on one root for 60 s, one
// process SIGKILLed every second and restarted. At the end: no process hung, one sweep leaves no
// entry and no file, and the counts add up. TEMPFM_LOAD_SECONDS shortens it for a quick run (5 s in
// the b2, sanitizer, portable and Windows runs of build.sh). On Windows the kill is TerminateProcess
// (kill_hard) and each worker's counters are a file mapping instead of mmap(2) (child_main.cpp):
// under wine a 60 s run takes 70 s (starting a process there costs 0.1 s to 2 s), 5 s about 9 s.
#define BOOST_TEST_MODULE test_load
#include "support.hpp"

#include <boost_tempfm/registry.hpp>

#include <chrono>
#include <random>
#include <thread>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

namespace {

struct counts {
  std::uint64_t created = 0, removed = 0, swept = 0;
};

counts read_counts(const fs::path& stats) {
  counts c;
  const std::string b = read_file(stats);
  if (b.size() >= 24) {
    std::memcpy(&c.created, b.data(), 8);
    std::memcpy(&c.removed, b.data() + 8, 8);
    std::memcpy(&c.swept, b.data() + 16, 8);
  }
  return c;
}

}  // namespace

BOOST_AUTO_TEST_CASE(eight_processes_four_threads_one_killed_every_second) {
  const int seconds = std::getenv("TEMPFM_LOAD_SECONDS") ? std::atoi(std::getenv("TEMPFM_LOAD_SECONDS")) : 60;
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  std::mt19937 rng(2026);
  int serial = 0;
  struct worker {
    pid_t pid;
    fs::path stats;
  };
  const auto t0 = std::chrono::steady_clock::now();
  auto start = [&] {
    const fs::path stats = s.dir / ("stats" + std::to_string(serial++));
    // Each worker runs until killed or until the end of the test (plus 2 s).
    const long elapsed = long(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0).count());
    const long remaining = std::max(1L, seconds + 2 - elapsed);
    return worker{spawn(child_program(), {"load", root.string(), std::to_string(remaining), stats.string()}), stats};
  };
  std::vector<worker> live;
  for (int i = 0; i < 8; ++i) live.push_back(start());
  std::vector<worker> killed;
  // One kill a second (the pace, not a synchronisation): as many kills as seconds, however busy
  // the machine is.
  for (int k = 0; k < seconds; ++k) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const std::size_t v = rng() % live.size();
    kill_hard(live[v].pid);
    wait_for(live[v].pid);
    killed.push_back(live[v]);
    live[v] = start();
  }
  // The survivors finish by themselves; none may hang.
  const auto t1 = std::chrono::steady_clock::now();
  int clean_exits = 0;
  counts finished;
  for (const worker& w : live) {
    const int st = wait_for(w.pid);
    clean_exits += exited_with(st, 0);
    const counts c = read_counts(w.stats);
    finished.created += c.created;
    finished.removed += c.removed;
    finished.swept += c.swept;
  }
  const double wait_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  BOOST_TEST(clean_exits == 8);  // none hung (ctest's timeout catches a hang); no time is asserted
  BOOST_TEST(finished.created == finished.removed);  // a clean exit leaves nothing
  counts dead;
  for (const worker& w : killed) {
    const counts c = read_counts(w.stats);
    dead.created += c.created;
    dead.removed += c.removed;
    dead.swept += c.swept;
  }
  const fs::path canon = fs::canonical(root);
  const std::size_t entries_before = tfm::list_entries(canon).size();
  tfm::sweep_report rep = tfm::sweep(canon);
  const long long left = static_cast<long long>(dead.created) - static_cast<long long>(dead.removed);
  const long long swept = static_cast<long long>(dead.swept + finished.swept + rep.removed.size());
  const long long in_flight = 8LL * static_cast<long long>(killed.size());  // 4 threads x 2 steps
  BOOST_TEST_MESSAGE("load: " << seconds << " s, " << killed.size() << " kills; entries created "
                              << dead.created + finished.created << ", removed by their owners "
                              << dead.removed + finished.removed << "; killed workers left " << left
                              << " (+-" << in_flight << " in flight); swept by starting workers "
                              << dead.swept + finished.swept << " and by the final sweep " << rep.removed.size()
                              << " of " << entries_before << "; survivors ended " << wait_s
                              << " s after the last kill");
  BOOST_TEST(rep.failed.empty());
  BOOST_TEST(rep.removed.size() == entries_before);
  // Every entry a killed worker left was swept exactly once: by a worker starting after it, or
  // by the final sweep (give or take what was in flight when it died).
  BOOST_TEST(swept >= left - in_flight);
  BOOST_TEST(swept <= left + in_flight);
  BOOST_TEST(tfm::list_entries(canon).empty());
  BOOST_TEST(listing(root).empty(), listing(root).size() << " files left");
  BOOST_TEST(killed.size() == static_cast<std::size_t>(seconds));
  BOOST_TEST(dead.created + finished.created > 0u);
}
