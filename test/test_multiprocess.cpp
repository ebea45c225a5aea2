// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Many processes creating, registering and removing at once on one root: no lost entries, no
// leftovers, and the counts add up.
#define BOOST_TEST_MODULE test_multiprocess
#include "support.hpp"

#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/temp_file_manager.hpp>

#include <signal.h>

#include <chrono>
#include <random>
#include <thread>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

BOOST_AUTO_TEST_CASE(processes_churn_on_one_root) {
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  constexpr int procs = 6, per_proc = 500;
  std::vector<pid_t> pids;
  for (int i = 0; i < procs; ++i)
    pids.push_back(spawn(child_program(), {"churn", root.string(), std::to_string(per_proc),
                                           (s.dir / ("out" + std::to_string(i))).string()}));
  // Meanwhile this process reads the registry and keeps entries of its own that must survive.
  tfm::temp_file_manager m("watcher_", root);
  std::vector<tfm::temp_file> mine;
  std::size_t max_seen = 0;
  for (int i = 0; i < 50; ++i) {
    mine.push_back(m.create_temp_file());
    max_seen = std::max(max_seen, tfm::list_entries(m.root()).size());
  }
  int total = 0;
  for (int i = 0; i < procs; ++i) {
    BOOST_TEST(exited_normally(wait_for(pids[std::size_t(i)])));
    total += std::stoi(read_file(s.dir / ("out" + std::to_string(i))));
  }
  BOOST_TEST(total == procs * per_proc);
  BOOST_TEST_MESSAGE("most entries seen at once: " << max_seen);
  const auto left = tfm::list_entries(m.root());
  BOOST_TEST(left.size() == mine.size());  // only ours
  for (const tfm::registry_entry& e : left) BOOST_TEST(e.owner == tfm::current_process());
  BOOST_TEST(listing(root).size() == mine.size());
  mine.clear();
  BOOST_TEST(tfm::list_entries(m.root()).empty());
  BOOST_TEST(listing(root).empty());
}

BOOST_AUTO_TEST_CASE(another_process_sweep_never_touches_live_entries,
                     *boost::unit_test::precondition(skip_on_windows{"uses fork(2)"})) {
  scratch s;
  const fs::path root = s.dir / "root";
  tfm::temp_file_manager m("live_", root);
  tfm::temp_file f = m.create_temp_file();
  tfm::temp_dir d = m.create_temp_dir();
  write_file(s.dir / "reg", "r");
  m.register_file(s.dir / "reg");
  child_result r = run_forked([&] {
    // A different process (new identity): sweeps with default options, then constructs a manager
    // (which sweeps at start too).
    tfm::sweep_report rep = tfm::sweep(m.root());
    tfm::temp_file_manager other("other_", root);
    return rep.removed.empty() ? 0 : 1;
  });
  BOOST_TEST(r.exited_with(0), r.out);
  BOOST_TEST(fs::exists(f.path()));
  BOOST_TEST(fs::exists(d.path()));
  BOOST_TEST(fs::exists(s.dir / "reg"));
  BOOST_TEST(tfm::list_entries(m.root()).size() == 3u);
}

BOOST_AUTO_TEST_CASE(two_spellings_of_one_root_share_one_registry_and_one_lock,
                     *boost::unit_test::precondition(skip_on_windows{"stops every process at once with SIGSTOP/SIGCONT"})) {
#ifndef _WIN32  // skipped on Windows (above): POSIX calls
  // "R" and "R/" (and any other spelling) are one registry with one lock: 4 churning processes
  // on each, killed and restarted at random for 20 s. Every second all are stopped at once, where
  // they are, and every file in the root must have its entry; at the end one sweep leaves nothing.
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  const std::string spellings[2] = {root.string(), root.string() + "/"};
  std::mt19937 rng(20);
  int serial = 0;
  auto start = [&](int i) {
    return spawn(child_program(), {"churn", spellings[i % 2], "100000000", (s.dir / ("o" + std::to_string(serial++))).string()});
  };
  std::vector<pid_t> pids;
  for (int i = 0; i < 8; ++i) pids.push_back(start(i));
  const fs::path canon = fs::canonical(root);
  int kills = 0, checks = 0;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  auto next_check = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (std::chrono::steady_clock::now() < end) {
    ::usleep(static_cast<useconds_t>(50000 + rng() % 150000));
    const std::size_t v = rng() % pids.size();
    kill_hard(pids[v]);
    wait_for(pids[v]);
    pids[v] = start(static_cast<int>(v));
    ++kills;
    if (std::chrono::steady_clock::now() < next_check) continue;
    next_check += std::chrono::seconds(1);
    for (pid_t p : pids) ::kill(p, SIGSTOP);
    for (pid_t p : pids) {
      int st = 0;
      while (::waitpid(p, &st, WUNTRACED) < 0 && errno == EINTR) {
      }
    }
    std::set<std::string> entries;
    for (const tfm::registry_entry& e : tfm::list_entries(canon)) entries.insert(e.path.filename().string());
    for (const std::string& name : listing(root)) BOOST_TEST(entries.count(name) == 1u, name << " has no entry");
    for (pid_t p : pids) ::kill(p, SIGCONT);
    ++checks;
  }
  for (pid_t p : pids) {
    kill_hard(p);
    wait_for(p);
  }
  BOOST_TEST_MESSAGE(kills << " kills, " << checks << " stopped-world checks");
  tfm::sweep_report rep = tfm::sweep(canon);
  BOOST_TEST(rep.failed.empty());
  BOOST_TEST(tfm::list_entries(canon).empty());
  BOOST_TEST(listing(root).empty(), listing(root).size() << " files left without an entry");
  BOOST_TEST(checks >= 5);
#endif
}
