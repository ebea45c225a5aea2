// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// install_signal_cleanup() in a threaded program: SIGTERM arrives while 16 threads keep creating
// files and directories (in the root and, per call, in another directory). Once the handler has
// run nothing is left behind: no file (a creation in flight is waited for, a later one refused),
// and no registry entry (the handler frees what it removed). Real processes, real signals.
#define BOOST_TEST_MODULE test_signal_threads
#include "support.hpp"

#include <boost_tempfm/registry.hpp>

#include <signal.h>

#include <algorithm>
#include <chrono>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

BOOST_AUTO_TEST_CASE(sigterm_while_16_threads_create_leaves_nothing) {
  int left_files = 0, left_entries = 0, rounds = 0;
  std::string detail;
  double slowest = 0;  // seconds from SIGTERM to the end of the process
  for (int round = 0; round < 12; ++round, ++rounds) {
    scratch s;
    const fs::path root = s.dir / "root", out = s.dir / "out";
    fs::create_directories(root);
    fs::create_directories(out);
    const pid_t pid = spawn(child_program(), {"signal-threads", root.string(), out.string(), (s.dir / "ready").string()});
    BOOST_REQUIRE(wait_for_file(s.dir / "ready", 60));
    const auto t0 = std::chrono::steady_clock::now();
    ::kill(pid, SIGTERM);
    const int st = wait_for(pid);
    slowest = std::max(slowest, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    BOOST_TEST((WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM), "status " << st);
    const std::set<std::string> in_root = listing(root), in_out = listing(out);
    const std::vector<tfm::registry_entry> entries = tfm::list_entries(fs::canonical(root));
    left_files += static_cast<int>(in_root.size() + in_out.size());
    left_entries += static_cast<int>(entries.size());
    for (const std::string& n : in_root) detail += " root/" + n;
    for (const std::string& n : in_out) detail += " out/" + n;
    for (const tfm::registry_entry& e : entries) detail += " entry:" + e.path.string();
  }
  BOOST_TEST_MESSAGE("slowest end after SIGTERM: " << slowest << " s");
  BOOST_TEST(slowest < 20.0);  // the handler waits 2 s at most for creations in flight
  BOOST_TEST(left_files == 0, left_files << " files left in " << rounds << " rounds:" << detail);
  BOOST_TEST(left_entries == 0, left_entries << " registry entries left in " << rounds << " rounds");
}
