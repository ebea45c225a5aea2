// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// tempfm_test_lock: processes that hold, stop in, exec in or die in the registry lock, and that
// write hostile registry entries. Linked with the static library to reach the registry's internals.
//
//   hold ROOT READY            take the registry lock, write READY, hang (the tests kill it)
//   stop ROOT taken|released N make N temp files (one at a time, each created and removed) with a
//                              SIGSTOP raised right after the registry lock is taken, or right
//                              before it is given back, the first time; exit 0 when all are done
//   exec ROOT READY STAMP      a thread takes the registry lock and writes READY; when a byte
//                              arrives on stdin the main thread execs `tempfm_test_lock stamp STAMP`
//   stamp FILE                 write CLOCK_MONOTONIC (ns) to FILE, then hang
//   wait ROOT OUT              take the registry lock, write CLOCK_MONOTONIC (ns) to OUT, exit
//   try ROOT                   exit 0 if the registry lock could be taken at once, 1 if not
//   zombie ROOT                fork a child that dies holding the lock and is not reaped (a
//                              zombie), then use the registry: exit 0 if that works
//   family ROOT N              fork N children of one registry; the first dies holding the lock,
//                              the others add and remove 200 entries each; exit 0 if all finish
//                              and the registry then holds no entry
//   exec-owner ROOT READY STAMP  make a temp file, write its path to READY, then exec
//                              `tempfm_test_lock stamp STAMP` (the same pid, a new program)
//   drop ROOT READY GO         make 200 temp files, write READY, wait for GO to exist, drop them all
//                              and exit 0 (the tests hold the registry lock meanwhile)
//   blocks ROOT                print the number of owned blocks in the registry
//   craft ROOT READY WHAT...   record hostile entries as-is (WHAT: rel:NAME or abs:PATH), or an
//                              entry of a file made outside the root whose identity was never
//                              recorded (pending:PATH), write READY, hang (the tests SIGKILL it,
//                              then sweep)
#include "libs/detail/byte_lock.hpp"
#include "libs/detail/registry_impl.hpp"

#include <boost_tempfm/temp_file_manager.hpp>

#include <boost/filesystem/operations.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <boost_tempfm/temp_file.hpp>

#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace fs = boost::filesystem;
namespace d = boost_tempfm::detail;

namespace {

long long monotonic_ns() {
  struct timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

void write_line(const std::string& file, const std::string& text) {
  {
    std::ofstream out(file + ".tmp");
    out << text << "\n";
  }
  std::rename((file + ".tmp").c_str(), file.c_str());
}

bool stop_when_taken = false;
int stops_left = 0;
void stop_hook(bool taken) {
  if (taken == stop_when_taken && stops_left > 0) {
    --stops_left;
    ::raise(SIGSTOP);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const std::string mode = argv[1];
  if (mode == "stamp") {
    write_line(argv[2], std::to_string(monotonic_ns()));
    for (;;) ::pause();
  }
  const fs::path root = fs::canonical(argv[2]);
  if (mode == "try") {
    const int fd = ::open((d::registry_dir_of(root) / "locks").c_str(), O_RDWR | O_CLOEXEC);
    bool got = false;
    if (fd < 0 || d::byte_lock::try_lock(fd, d::format::registry_lock_offset, got) != 0) return 3;
    return got ? 0 : 1;
  }
  if (mode == "stop" && argc >= 5) {
    stop_when_taken = std::string(argv[3]) == "taken";
    stops_left = 1;
    d::registry_lock_hook = stop_hook;
    boost_tempfm::temp_file_manager m("stop_", root, boost_tempfm::startup_sweep::none);
    const int n = std::atoi(argv[4]);
    for (int i = 0; i < n; ++i) (void)m.create_temp_file();  // each removed at once
    return stops_left == 0 ? 0 : 4;
  }
  if (mode == "exec-owner" && argc >= 5) {
    boost_tempfm::temp_file_manager m("pre_exec_", root);
    boost_tempfm::temp_file f = m.create_temp_file(".bin");
    write_line(argv[3], f.path().string());
    ::execl("/proc/self/exe", argv[0], "stamp", argv[4], static_cast<char*>(nullptr));
    return 97;
  }
  if (mode == "drop" && argc >= 5) {
    boost_tempfm::temp_file_manager m("drop_", root, boost_tempfm::startup_sweep::none);
    std::vector<boost_tempfm::temp_file> files;
    for (int i = 0; i < 200; ++i) files.push_back(m.create_temp_file());
    write_line(argv[3], "ready");
    while (::access(argv[4], F_OK) != 0) ::usleep(1000);
    files.clear();  // 200 removals, blocks given back (or not, the lock being busy)
    return 0;
  }
  auto reg = d::registry::open(root);
  if (mode == "blocks") {
    std::cout << reg->blocks().size() << "\n";
    return 0;
  }
  if (mode == "wait" && argc >= 4) {
    reg->with_lock([&] { write_line(argv[3], std::to_string(monotonic_ns())); });
    return 0;
  }
  if (mode == "hold" && argc >= 4) {
    reg->with_lock([&] {
      write_line(argv[3], "ready");
      for (;;) ::pause();
    });
    return 2;
  }
  if (mode == "exec" && argc >= 5) {
    std::thread holder([&] {
      reg->with_lock([&] {
        write_line(argv[3], "ready");
        for (;;) ::pause();
      });
    });
    holder.detach();
    char go;
    if (::read(0, &go, 1) != 1) return 3;
    ::execl("/proc/self/exe", argv[0], "stamp", argv[4], static_cast<char*>(nullptr));
    return 97;
  }
  if (mode == "zombie") {
    ::alarm(30);  // a hang ends the helper with SIGALRM, which the test sees
    pid_t child = ::fork();
    if (child == 0) reg->with_lock([] { ::raise(SIGKILL); });
    int st = 0;
    ::waitid(P_PID, static_cast<id_t>(child), nullptr, WEXITED | WNOWAIT);  // dead, still not reaped
    (void)st;
    auto ref = reg->add((root / "after-zombie").string(), boost_tempfm::entry_type::file, d::format::flag_created);
    reg->remove(ref);
    return 0;
  }
  if (mode == "family" && argc >= 4) {
    ::alarm(60);
    const int n = std::atoi(argv[3]);
    std::vector<pid_t> kids;
    for (int i = 0; i < n; ++i) {
      pid_t k = ::fork();
      if (k == 0) {
        if (i == 0) reg->with_lock([] { ::raise(SIGKILL); });
        for (int j = 0; j < 200; ++j) {
          auto ref = reg->add((root / ("f" + std::to_string(i) + "_" + std::to_string(j))).string(),
                              boost_tempfm::entry_type::file, d::format::flag_created);
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
    const std::size_t left = reg->entries().size();
    std::cout << "finished " << ok << " entries " << left << "\n";
    return ok == n - 1 && left == 0 ? 0 : 1;
  }
  if (mode == "craft" && argc >= 4) {
    for (int i = 4; i < argc; ++i) {
      const std::string what = argv[i];
      d::format::entry_data e;
      e.type = 1;
      if (what.rfind("rel:", 0) == 0) {
        e.stored = what.substr(4);
        e.flags = d::format::flag_relative;
      } else if (what.rfind("abs:", 0) == 0) {
        e.stored = what.substr(4);
      } else if (what.rfind("pending:", 0) == 0) {  // made outside the root, identity not yet recorded
        e.stored = what.substr(8);
        e.type = 0;
        e.flags = d::format::flag_identity;
      } else {
        return 2;
      }
      try {
        reg->add_entry(e);
      } catch (const fs::filesystem_error&) {
        // not even recordable (an empty path): nothing to craft
      }
    }
    write_line(argv[3], "ready");
    for (;;) ::pause();
  }
  std::cerr << "usage: see the comment at the top of test/lock_main.cpp\n";
  return 2;
}
