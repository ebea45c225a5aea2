// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// tempfm_test_lock: a process that dies while holding the registry lock (the tests SIGKILL it).
// Linked with the static library to reach the registry's internals.
//
//   tempfm_test_lock hold ROOT READY   take the lock through the registry (holder recorded), hang
//   tempfm_test_lock sem  ROOT READY   take the named semaphore directly, record nothing, hang
//   tempfm_test_lock stats ROOT        print "recoveries N live M"
#include "libs/detail/registry_impl.hpp"

#include <boost/filesystem/operations.hpp>
#include <boost/interprocess/sync/named_mutex.hpp>

#include <unistd.h>

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
