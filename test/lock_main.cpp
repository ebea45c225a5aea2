// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// tempfm_test_lock: a process that dies while holding the registry lock (the tests SIGKILL it).
// Linked with the static library to reach the registry's internals.
//
//   tempfm_test_lock hold ROOT READY   take the lock through the registry (holder recorded), hang
//   tempfm_test_lock sem  ROOT READY   take the named semaphore directly, record nothing, hang
//   tempfm_test_lock stats ROOT        print "recoveries N live M"
//   tempfm_test_lock zombie ROOT       fork a child that dies holding the lock and is not reaped
//                                      (a zombie), then use the registry: exit 0 if that works
//   tempfm_test_lock family ROOT N     open the registry, fork N children; the first dies holding
//                                      the lock, the others (sharing every inherited descriptor)
//                                      then add and remove 200 entries each; exit 0 if all finish
//                                      and exactly one recovery happened
#include "libs/detail/registry_impl.hpp"

#include <boost/filesystem/operations.hpp>
#include <boost/interprocess/sync/named_mutex.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include <cstring>
#include <fstream>
#include <iostream>

namespace fs = boost::filesystem;

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const std::string mode = argv[1];
  const fs::path root = fs::canonical(argv[2]);
  auto reg = boost_tempfm::detail::registry::open(root);
  if (mode == "stats") {
    std::cout << "recoveries " << reg->recoveries() << " live " << reg->entries().size() << "\n";
    return 0;
  }
  if (mode == "zombie") {
    ::alarm(30);  // a hang ends the helper with SIGALRM, which the test sees
    pid_t child = ::fork();
    if (child == 0) reg->with_lock([] { ::raise(SIGKILL); });
    ::usleep(200000);  // the child is a zombie now: dead, not reaped
    auto ref = reg->add((root / "after-zombie").string(), boost_tempfm::entry_type::file);
    reg->remove(ref);
    return reg->recoveries() == 1 ? 0 : 1;
  }
  if (mode == "family") {
    ::alarm(60);
    const int n = argc > 3 ? std::atoi(argv[3]) : 4;
    std::vector<pid_t> kids;
    for (int i = 0; i < n; ++i) {
      pid_t k = ::fork();
      if (k == 0) {
        if (i == 0) reg->with_lock([] { ::raise(SIGKILL); });
        ::usleep(100000);  // let the first one die holding the lock
        for (int j = 0; j < 200; ++j) {
          auto ref = reg->add((root / ("f" + std::to_string(i) + "_" + std::to_string(j))).string(),
                              boost_tempfm::entry_type::file);
          reg->remove(ref);
        }
        ::_exit(0);
      }
      kids.push_back(k);
    }
    int ok = 0;
    for (pid_t k : kids) {
      int st = 0;
      ::waitpid(k, &st, 0);
      ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    std::cout << "finished " << ok << " recoveries " << reg->recoveries() << " live " << reg->entries().size() << "\n";
    return ok == n - 1 && reg->recoveries() == 1 ? 0 : 1;
  }
  if (argc < 4) return 2;
  auto ready = [&] { std::ofstream(argv[3]) << "ready\n"; };
  if (mode == "hold") {
    reg->with_lock([&] {
      ready();
      for (;;) ::pause();
    });
  } else if (mode == "sem") {
    boost::interprocess::named_mutex m(boost::interprocess::open_only, reg->sem_name().c_str());
    m.lock();
    ready();
    for (;;) ::pause();
  }
  return 2;
}
