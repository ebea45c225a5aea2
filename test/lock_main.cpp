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
//                              then sweep). On Windows an abs: or pending: PATH that begins
//                              with a drive ("C:") is recorded as the library records it
//                              ("/C:/..."), any other as-is
//
// Windows (MinGW, run under wine): hold, wait, try, drop, blocks, craft and stamp; the others are
// about SIGSTOP, exec(2) and fork(2) and are not built there.
#include "libs/detail/byte_lock.hpp"
#include "libs/detail/registry_impl.hpp"

#include <boost_tempfm/temp_file_manager.hpp>

#include <boost/filesystem/operations.hpp>

#include <boost_tempfm/temp_file.hpp>

#include "system_headers.hpp"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace fs = boost::filesystem;
namespace d = boost_tempfm::detail;

namespace {

long long monotonic_ns() {
#ifdef _WIN32
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
#else
  struct timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
#endif
}

// Waits to be killed.
[[noreturn]] void hang() {
#ifdef _WIN32
  for (;;) ::Sleep(INFINITE);
#else
  for (;;) ::pause();
#endif
}

// A crafted absolute path as the registry would hold it: on Windows a path with a drive is
// recorded as the library records paths ("/C:/Users/..."); anything else is kept as given.
std::string stored_form(const std::string& given) {
#ifdef _WIN32
  if (given.size() >= 2 && given[1] == ':') return d::platform::path_bytes(fs::path(given));
#endif
  return given;
}

void write_line(const std::string& file, const std::string& text) {
  {
    std::ofstream out(file + ".tmp");
    out << text << "\n";
  }
  std::rename((file + ".tmp").c_str(), file.c_str());
}

#ifndef _WIN32
bool stop_when_taken = false;
int stops_left = 0;
void stop_hook(bool taken) {
  if (taken == stop_when_taken && stops_left > 0) {
    --stops_left;
    ::raise(SIGSTOP);
  }
}
#endif

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const std::string mode = argv[1];
  if (mode == "stamp") {
    write_line(argv[2], std::to_string(monotonic_ns()));
    hang();
  }
  const fs::path root = fs::canonical(argv[2]);
  if (mode == "try") {
#ifdef _WIN32
    d::platform::handle fd = d::platform::no_handle;
    if (d::platform::open_file_read(d::platform::no_handle, (d::registry_dir_of(root) / "locks").c_str(), fd) != 0)
      return 3;
#else
    const int fd = ::open((d::registry_dir_of(root) / "locks").c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return 3;
#endif
    bool got = false;
    if (d::byte_lock::try_lock(fd, d::format::registry_lock_offset, got) != 0) return 3;
    return got ? 0 : 1;
  }
#ifndef _WIN32
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
#endif
  if (mode == "drop" && argc >= 5) {
    boost_tempfm::temp_file_manager m("drop_", root, boost_tempfm::startup_sweep::none);
    std::vector<boost_tempfm::temp_file> files;
    for (int i = 0; i < 200; ++i) files.push_back(m.create_temp_file());
    write_line(argv[3], "ready");
    while (!fs::exists(argv[4])) std::this_thread::sleep_for(std::chrono::milliseconds(1));
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
      hang();
    });
    return 2;
  }
#ifndef _WIN32
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
#endif
  if (mode == "craft" && argc >= 4) {
    for (int i = 4; i < argc; ++i) {
      const std::string what = argv[i];
      d::format::entry_data e;
      e.type = 1;
      if (what.rfind("rel:", 0) == 0) {
        e.stored = what.substr(4);
        e.flags = d::format::flag_relative;
      } else if (what.rfind("abs:", 0) == 0) {
        e.stored = stored_form(what.substr(4));
      } else if (what.rfind("pending:", 0) == 0) {  // made outside the root, identity not yet recorded
        e.stored = stored_form(what.substr(8));
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
    hang();
  }
  std::cerr << "usage: see the comment at the top of test/lock_main.cpp\n";
  return 2;
}
