// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// tempfm_test_child: a real program the tests start with exec, so that exit-time cleanup and the
// silence of the library are observed in a fresh process, exactly as an application runs.
//
//   tempfm_test_child exit   ROOT LIST   use the global and a local manager, then std::exit(0)
//   tempfm_test_child return ROOT LIST   the same, then return from main
//   tempfm_test_child sink   ROOT        add a Boost.Log console sink on stdout, create and remove
//   tempfm_test_child app-log ROOT LIST  an application that adds no sink and logs with
//                                        BOOST_LOG_TRIVIAL around removals of every kind, then exit()
//   tempfm_test_child shutdown ROOT LIST an application with a sink on stderr that calls
//                                        remove_all_sinks() and then exit() with live temp files
//   tempfm_test_child hold   ROOT OUTSIDE READY   make a file, a dir and a registered OUTSIDE file,
//                                        write their paths to READY, then hang (to be SIGKILLed)
//   tempfm_test_child hold-nodump ...    the same, made non-dumpable first
//   tempfm_test_child churn  ROOT N OUT  create and remove N files and dirs (and register files in
//                                        ROOT/../ext), write N to OUT
//   tempfm_test_child sweep  ROOT        sweep ROOT (exit 0 if exactly one entry was removed)
//   tempfm_test_child signal MODE ROOT READY   install_signal_cleanup() scenarios (see with_signals)
//   tempfm_test_child load ROOT SECONDS STATS  4 threads of churn, counters in STATS (see load)
//   tempfm_test_child identity           exit 0 if a child forked after current_process() gets its own
//   tempfm_test_child atomic ROOT DEST READY  start an atomic save of DEST (a manager on ROOT), write
//                                        "partial" through its descriptor, write the temp file's
//                                        path to READY, then hang (to be SIGKILLed before commit)
//   tempfm_test_child unnamed ROOT READY  make an unnamed file holding 1 MiB, write READY, hang
//   tempfm_test_child signal-threads ROOT OUT READY  install_signal_cleanup(), then 16 threads
//                                        create files and dirs in ROOT and files in OUT (directory
//                                        per call) and drop them, until killed; READY once all run
//   tempfm_test_child hold-in ROOT DIR READY  make a file and a dir (with content) in DIR through
//                                        create_options::directory, write their paths to READY, hang
//   tempfm_test_child console EVENT ROOT READY  (Windows) in a console of its own,
//                                        install_signal_cleanup(), make a file and a dir (with
//                                        content) in ROOT, write their paths to READY, then raise
//                                        EVENT (c: Ctrl-C, break: Ctrl-Break) on that console
//
// LIST receives one line per path: "gone PATH" (must be removed when the process has ended) or
// "kept PATH" (must survive). The global manager's root comes from $BOOST_TEMPFM_ROOT.
#include <boost_tempfm/tempfm.hpp>

#include <boost/filesystem/operations.hpp>
#include <boost/log/core.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/trivial.hpp>
#include <boost/log/utility/setup/console.hpp>

#include <cstdlib>
// Windows (MinGW): the modes below that are about POSIX signals, fork(2) and prctl(2) are not
// built; the others are the same program (load maps its counters with CreateFileMappingW instead of
// mmap(2)).
#include "system_headers.hpp"
#include <type_traits>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace fs = boost::filesystem;
namespace tfm = boost_tempfm;

namespace {

// Waits to be killed.
[[noreturn]] void hang() {
#ifdef _WIN32
  for (;;) ::Sleep(INFINITE);
#else
  for (;;) ::pause();
#endif
}

// write(2) through a library object's native handle: a descriptor, or on Windows a HANDLE (or a
// C runtime descriptor, whichever the port chose).
template <class Native>
long long write_native(Native h, const char* data, std::size_t n) {
#ifdef _WIN32
  if constexpr (std::is_pointer_v<Native>) {
    DWORD done = 0;
    return ::WriteFile(reinterpret_cast<HANDLE>(h), data, static_cast<DWORD>(n), &done, nullptr) ? static_cast<long long>(done) : -1LL;
  } else {
    return ::_write(static_cast<int>(h), data, static_cast<unsigned>(n));
  }
#else
  return ::write(h, data, n);
#endif
}

int current_pid() {
#ifdef _WIN32
  return ::_getpid();
#else
  return static_cast<int>(::getpid());
#endif
}

int scenario(const std::string& mode, const fs::path& root, const fs::path& list) {
  std::ofstream out(list.string());
  // A local manager that is never destroyed when exit() is called (exit does not unwind).
  static tfm::temp_file_manager* local_keep = nullptr;
  tfm::temp_file_manager local("local_", root);
  local_keep = &local;
  tfm::temp_file_manager& global = tfm::get_temp_manager();

  // Handles still alive when the process ends.
  tfm::temp_file f = local.create_temp_file(".mkv");
  tfm::temp_dir d = global.create_temp_dir("frames_");
  std::ofstream(( d.path() / "frame1.png").string()) << "png";
  fs::create_directories(d.path() / "sub");
  std::ofstream((d.path() / "sub" / "frame2.png").string()) << "png";
  out << "gone " << f.path().string() << "\n" << "gone " << d.path().string() << "\n";

  // Kept output registered for later cleanup, and a released file.
  fs::path kept_then_registered = global.create_temp_file(".mkv", std::string("out_"), false).path();
  global.register_file(kept_then_registered);
  out << "gone " << kept_then_registered.string() << "\n";
  fs::path released = local.create_temp_file(".srt").release();
  out << "kept " << released.string() << "\n";
  fs::path not_deleted = global.create_temp_file(".txt", std::nullopt, false).path();
  out << "kept " << not_deleted.string() << "\n";
  // An outside file registered by path.
  fs::path outside = root / "external.txt";
  std::ofstream(outside.string()) << "external";
  local.register_file(outside);
  out << "gone " << outside.string() << "\n";
  out.close();

  if (mode == "exit") std::exit(0);
  (void)local_keep;
  return 0;
}

int with_sink(const fs::path& root) {
  namespace expr = boost::log::expressions;
  boost::log::add_console_log(
      std::cout, boost::log::keywords::format =
                     (expr::stream << expr::attr<std::string>("Channel") << " | "
                                   << expr::attr<boost::log::trivial::severity_level>("Severity") << " | "
                                   << expr::attr<std::string>("TempfmKind") << " | "
                                   << expr::attr<std::uintmax_t>("TempfmBytes") << " | "
                                   << expr::attr<std::string>("TempfmReason") << " | " << expr::smessage));
  BOOST_LOG_TRIVIAL(info) << "app: own record";
  tfm::temp_file_manager m("sink_", root);
  {
    tfm::temp_file f = m.create_temp_file(".bin");
    std::ofstream(f.path().string()) << "12345";
  }
  tfm::temp_dir d = m.create_temp_dir();
  std::ofstream((d.path() / "a").string()) << "abc";
  m.cleanup_all();
  return 0;
}

// An application that never adds a sink: Boost.Log's default sink prints its records on stdout,
// before and after the library is used. Every kind of removal happens: scope end, remove(),
// cleanup_all(), and at exit.
int app_log(const fs::path& root, const fs::path& list) {
  BOOST_LOG_TRIVIAL(info) << "app: before the manager";
  std::ofstream out(list.string());
  tfm::temp_file_manager m("app_", root);
  tfm::temp_file global = tfm::get_temp_manager().create_temp_file(".g");
  out << "gone " << global.path().string() << "\n";
  {
    tfm::temp_file f = m.create_temp_file(".bin");
    std::ofstream(f.path().string()) << "12345";
    out << "gone " << f.path().string() << "\n";
  }
  BOOST_LOG_TRIVIAL(info) << "app: after a scope end";
  tfm::temp_file r = m.create_temp_file();
  out << "gone " << r.path().string() << "\n";
  r.remove();
  tfm::temp_dir d = m.create_temp_dir();
  std::ofstream((d.path() / "a").string()) << "abc";
  out << "gone " << d.path().string() << "\n";
  m.cleanup_all();
  BOOST_LOG_TRIVIAL(debug) << "app: debug";
  BOOST_LOG_TRIVIAL(warning) << "app: warning";
  tfm::temp_file at_exit = m.create_temp_file(".exit");
  out << "gone " << at_exit.path().string() << "\n";
  out.close();
  std::exit(0);  // at_exit, global: removed (and logged) by the exit hook
}

// The common shutdown idiom: the application's sink goes away before exit, temp files still live.
int shutdown_idiom(const fs::path& root, const fs::path& list) {
  namespace expr = boost::log::expressions;
  boost::log::add_console_log(std::clog, boost::log::keywords::format = (expr::stream << "app-sink: " << expr::smessage));
  BOOST_LOG_TRIVIAL(info) << "app: with its sink";
  std::ofstream out(list.string());
  tfm::temp_file_manager m("shut_", root);
  { tfm::temp_file f = m.create_temp_file(".bin"); }
  tfm::temp_file f = m.create_temp_file(".bin");
  tfm::temp_dir d = m.create_temp_dir();
  std::ofstream((d.path() / "a").string()) << "abc";
  out << "gone " << f.path().string() << "\n" << "gone " << d.path().string() << "\n";
  out.close();
  boost::log::core::get()->remove_all_sinks();
  BOOST_LOG_TRIVIAL(info) << "app: after remove_all_sinks";
  std::exit(0);
}

int hold(const fs::path& root, const fs::path& outside, const fs::path& ready) {
  tfm::temp_file_manager m("held_", root);
  tfm::temp_file f = m.create_temp_file(".bin");
  std::ofstream(f.path().string()) << "12345";
  tfm::temp_dir d = m.create_temp_dir();
  fs::create_directories(d.path() / "sub");
  std::ofstream((d.path() / "sub" / "x").string()) << "abc";
  std::ofstream(outside.string()) << "outside";
  m.register_file(outside);
  {
    std::ofstream r(ready.string() + ".tmp");
    r << f.path().string() << "\n" << d.path().string() << "\n" << outside.string() << "\n";
  }
  fs::rename(ready.string() + ".tmp", ready);
  hang();
}

#ifdef _WIN32
// The system delivers the event on a thread of its own to the handlers of every process attached to
// the console (here only this one): install_signal_cleanup()'s removes the files, then the default
// handler ends the process with STATUS_CONTROL_C_EXIT. Exit 4-6: the event could not be raised or
// did not end the process (a minute).
int console_event(const std::string& event, const fs::path& root, const fs::path& ready) {
  ::FreeConsole();  // a console of its own (wine's headless one under wine), not the test's
  if (!::AllocConsole()) return 4;
  tfm::install_signal_cleanup();
  tfm::temp_file_manager m("console_", root);
  tfm::temp_file f = m.create_temp_file(".bin");
  std::ofstream(f.path().string()) << "12345";
  tfm::temp_dir d = m.create_temp_dir();
  fs::create_directories(d.path() / "sub");
  std::ofstream((d.path() / "sub" / "x").string()) << "abc";
  {
    std::ofstream r(ready.string() + ".tmp");
    r << f.path().string() << "\n" << d.path().string() << "\n";
  }
  fs::rename(ready.string() + ".tmp", ready);
  if (!::GenerateConsoleCtrlEvent(event == "break" ? CTRL_BREAK_EVENT : CTRL_C_EVENT, 0)) return 5;
  for (int i = 0; i < 6000; ++i) ::Sleep(10);
  return 6;
}
#endif

int churn(const fs::path& root, int n, const fs::path& out) {
  tfm::temp_file_manager m("churn_", root);
  int done = 0;
  for (int i = 0; i < n; ++i) {
    if (i % 4 == 0) {
      tfm::temp_dir d = m.create_temp_dir();
      std::ofstream((d.path() / "f").string()) << "x";
    } else {
      tfm::temp_file f = m.create_temp_file(".c");
      if (i % 4 == 1) {
        // An outside file registered for cleanup. It exists before it is registered (as any file
        // given to register_file), so it lives outside the root, which the tests check is left empty.
        fs::path r = fs::canonical(root);
        if (r.filename().empty() || r.filename_is_dot()) r = r.parent_path();  // "R/" is R
        const fs::path ext = r.parent_path() / "ext" / ("reg_" + std::to_string(current_pid()) + "_" + std::to_string(i));
        fs::create_directories(ext.parent_path());
        std::ofstream(ext.string()) << "r";
        m.register_file(ext);
      }
    }
    ++done;
  }
  m.cleanup_all();
  std::ofstream(out.string()) << done << "\n";
  return 0;
}

#ifndef _WIN32
int marker_fd = -1;
int pong_fd = -1;
// SIGUSR1 is the tests' ping: a signal sent before it (a lower number, so delivered first when
// both are pending) has been dealt with once "pong" is written.
void pong_handler(int) {
  const char msg[] = "pong\n";
  ssize_t w = ::write(pong_fd, msg, sizeof msg - 1);
  (void)w;
}
void app_handler(int) {
  const char msg[] = "chained\n";
  ssize_t w = ::write(marker_fd, msg, sizeof msg - 1);
  (void)w;
  ::_exit(42);
}

// install_signal_cleanup() scenarios: MODE dfl (no handler of the application), chain (the
// application's SIGTERM handler writes MARKER and exits 42), ign (SIGHUP ignored), fork (a forked
// child, whose pid is written first, gets the signal instead; READY.child gets its wait status
// once it has ended). SIGUSR1 appends "pong" to READY.pong (see pong_handler).
int with_signals(const std::string& mode, const fs::path& root, const fs::path& ready) {
  pong_fd = ::open((ready.string() + ".pong").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  {
    struct sigaction a;
    std::memset(&a, 0, sizeof a);
    a.sa_handler = pong_handler;
    ::sigaction(SIGUSR1, &a, nullptr);
  }
  if (mode == "chain") {
    marker_fd = ::open((ready.string() + ".marker").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    struct sigaction a;
    std::memset(&a, 0, sizeof a);
    a.sa_handler = app_handler;
    ::sigaction(SIGTERM, &a, nullptr);
  }
  if (mode == "ign") ::signal(SIGHUP, SIG_IGN);
  tfm::temp_file_manager m("sig_", root);
  tfm::temp_file f = m.create_temp_file(".bin");
  tfm::temp_dir d = m.create_temp_dir();
  fs::create_directories(d.path() / "a" / "b");
  std::ofstream((d.path() / "a" / "b" / "x").string()) << "x";
  ::chmod((d.path() / "a").c_str(), 0500);
  const fs::path outside = root.parent_path() / "sig_outside";
  std::ofstream(outside.string()) << "o";
  m.register_file(outside);
  tfm::install_signal_cleanup();
  tfm::temp_file late = m.create_temp_file(".late");  // tracked after installation
  pid_t child = 0;
  if (mode == "fork") {
    child = ::fork();
    if (child == 0)
      hang();
  }
  {
    std::ofstream r(ready.string() + ".tmp");
    if (child) r << "child " << child << "\n";
    r << f.path().string() << "\n" << d.path().string() << "\n" << outside.string() << "\n"
      << late.path().string() << "\n";
  }
  fs::rename(ready.string() + ".tmp", ready);
  if (child) {
    int st = 0;
    while (::waitpid(child, &st, 0) < 0 && errno == EINTR) {
    }
    std::ofstream(ready.string() + ".child.tmp") << st << "\n";
    fs::rename(ready.string() + ".child.tmp", ready.string() + ".child");
  }
  hang();
}

#endif  // !_WIN32

// The file `stats` (created, 24 bytes of zeros) mapped shared for reading and writing: what is
// stored there is in the file as soon as it is stored, and stays there when the process is killed
// (SIGKILL, TerminateProcess). nullptr if that failed.
void* map_counters(const fs::path& stats) {
  constexpr std::size_t size = 3 * sizeof(std::uint64_t);
#ifdef _WIN32
  HANDLE f = ::CreateFileW(stats.c_str(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                           nullptr, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (f == INVALID_HANDLE_VALUE) return nullptr;
  HANDLE m = ::CreateFileMappingW(f, nullptr, PAGE_READWRITE, 0, static_cast<DWORD>(size), nullptr);  // grows the file
  void* mem = m ? ::MapViewOfFile(m, FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, size) : nullptr;
  if (m) ::CloseHandle(m);  // the view keeps the mapping, the mapping the file
  ::CloseHandle(f);
  return mem;
#else
  const int fd = ::open(stats.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::ftruncate(fd, size) != 0) return nullptr;
  void* mem = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  return mem == MAP_FAILED ? nullptr : mem;
#endif
}

// Load worker: 4 threads create temp files (removed at scope end) and temp dirs holding an
// output registered for cleanup (removed by cleanup_all), until killed or SECONDS pass. STATS is a
// shared mapping of three counters (registry entries created, entries removed, orphans swept at
// start), updated after each
// step, so they survive SIGKILL: a killed worker leaves created - removed entries, give or take
// the steps in flight (at most 2 per thread).
int load(const fs::path& root, int seconds, const fs::path& stats) {
  void* mem = map_counters(stats);
  if (!mem) return 3;
  auto* created = static_cast<std::atomic<std::uint64_t>*>(mem);
  auto* removed = created + 1;
  // What the workers killed before us left: swept here, counted (the manager would sweep too).
  created[2].store(tfm::sweep(fs::canonical(root)).removed.size());
  tfm::temp_file_manager m("load_", root, tfm::startup_sweep::none);  // swept (and counted) above
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; std::chrono::steady_clock::now() < end; ++i) {
        if ((i + t) % 3 == 0) {
          tfm::temp_dir d = m.create_temp_dir();
          created->fetch_add(1);
          const fs::path out = d.path() / "output.bin";
          std::ofstream(out.string()) << "o";
          // Inside a tracked dir: swept with it if we die before this. Another thread's
          // cleanup_all may have removed the dir already: then there is nothing to register.
          std::uint64_t mine = 1;  // the dir
          boost::system::error_code ec;
          m.register_file(out, ec);
          if (!ec) {
            created->fetch_add(1);
            ++mine;
          }
          m.cleanup_all(ec);  // this step's entries are gone now (by this call or another thread's)
          if (!ec) removed->fetch_add(mine);
        } else {
          { tfm::temp_file f = m.create_temp_file(".dat"); created->fetch_add(1); }
          removed->fetch_add(1);
        }
      }
    });
  for (std::thread& th : ts) th.join();
  // A step whose cleanup_all failed (on Windows a removal can meet a handle another thread still
  // has open) left its entries tracked, uncounted: this last cleanup_all removes them (or throws).
  removed->fetch_add(m.tracked_count());
  m.cleanup_all();
  return 0;
}

// reuse: one save committed first, so that the held one reuses its staging name; the ready file
// then also names that first save's staging file.
int atomic_hold(const fs::path& root, const fs::path& dest, const fs::path& ready, bool reuse = false) {
  tfm::temp_file_manager m("atomic_", root);
  fs::path first;
  if (reuse) {
    tfm::atomic_file c = m.create_atomic_file(dest);
    first = c.path();
    if (write_native(c.native_handle(), "committed", 9) != 9) return 3;
    c.commit();
  }
  tfm::atomic_file f = m.create_atomic_file(dest);
  if (write_native(f.native_handle(), "partial", 7) != 7) return 3;
  {
    std::ofstream r(ready.string() + ".tmp");
    r << f.path().string() << "\n";
    if (reuse) r << first.string() << "\n";
  }
  fs::rename(ready.string() + ".tmp", ready);
  hang();
}

int unnamed_hold(const fs::path& root, const fs::path& ready) {
  tfm::temp_file_manager m("unnamed_", root);
  tfm::unnamed_file f = m.create_unnamed_file();
  const std::string mib(1 << 20, 'u');
  if (write_native(f.native_handle(), mib.data(), mib.size()) != static_cast<long long>(mib.size())) return 3;
  std::ofstream(ready.string() + ".tmp") << "ready\n";
  fs::rename(ready.string() + ".tmp", ready);
  hang();
}

int hold_in(const fs::path& root, const fs::path& dir, const fs::path& ready) {
  tfm::temp_file_manager m("held_", root);
  tfm::temp_file f = m.create_temp_file(tfm::create_options().directory(dir).suffix(".part"));
  std::ofstream(f.path().string()) << "part";
  tfm::temp_dir d = m.create_temp_dir(tfm::create_options().directory(dir));
  std::ofstream((d.path() / "frame").string()) << "frame";
  {
    std::ofstream r(ready.string() + ".tmp");
    r << f.path().string() << "\n" << d.path().string() << "\n";
  }
  fs::rename(ready.string() + ".tmp", ready);
  hang();
}

#ifndef _WIN32
int signal_threads(const fs::path& root, const fs::path& out, const fs::path& ready) {
  tfm::temp_file_manager m("sigmt_", root);
  tfm::install_signal_cleanup();
  std::atomic<int> running{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 16; ++t)
    ts.emplace_back([&, t] {
      bool counted = false;
      std::vector<tfm::temp_file> held;
      for (std::uint64_t i = 0;; ++i) {
        boost::system::error_code ec;
        if (i % 5 == 0) {
          tfm::temp_dir d = m.create_temp_dir(tfm::create_options(), ec);
        } else if (i % 5 == 1) {
          held.push_back(m.create_temp_file(tfm::create_options().directory(out), ec));
        } else {
          held.push_back(m.create_temp_file(tfm::create_options().suffix(".t"), ec));
        }
        if (held.size() > 2) held.erase(held.begin());  // about 40 files exist at any moment
        if (!counted && i > 50) {
          counted = true;
          running.fetch_add(1);
        }
        (void)t;
      }
    });
  while (running.load() < 16) std::this_thread::yield();
  std::ofstream(ready.string() + ".tmp") << "ready\n";
  fs::rename(ready.string() + ".tmp", ready);
  for (std::thread& th : ts) th.join();
  return 0;
}

#endif  // !_WIN32

}  // namespace

int main(int argc, char** argv) {
#ifndef _WIN32
  if (argc >= 5 && std::strcmp(argv[1], "signal-threads") == 0) return signal_threads(argv[2], argv[3], argv[4]);
#endif
  if (argc >= 5 && std::strcmp(argv[1], "hold-in") == 0) return hold_in(argv[2], argv[3], argv[4]);
  if (argc >= 4 && std::strcmp(argv[1], "unnamed") == 0) return unnamed_hold(argv[2], argv[3]);
  if (argc >= 5 && std::strcmp(argv[1], "atomic") == 0) return atomic_hold(argv[2], argv[3], argv[4]);
  if (argc >= 5 && std::strcmp(argv[1], "atomic-reuse") == 0) return atomic_hold(argv[2], argv[3], argv[4], true);
  if (argc >= 5 && std::strcmp(argv[1], "load") == 0) return load(argv[2], std::atoi(argv[3]), argv[4]);
#ifndef _WIN32
  if (argc >= 5 && std::strcmp(argv[1], "signal") == 0) return with_signals(argv[2], argv[3], argv[4]);
#endif
  if (argc >= 5 && std::strcmp(argv[1], "hold") == 0) return hold(argv[2], argv[3], argv[4]);
#ifdef _WIN32
  if (argc >= 5 && std::strcmp(argv[1], "console") == 0) return console_event(argv[2], argv[3], argv[4]);
#endif
#ifndef _WIN32
  if (argc >= 5 && std::strcmp(argv[1], "hold-nodump") == 0) {
    // Like ssh-agent: not dumpable, so /proc/PID is unreadable to other processes of its user
    // when /proc is mounted hidepid=2.
    if (::prctl(PR_SET_DUMPABLE, 0) != 0) return 3;
    return hold(argv[2], argv[3], argv[4]);
  }
#endif
  if (argc >= 5 && std::strcmp(argv[1], "churn") == 0) return churn(argv[2], std::atoi(argv[3]), argv[4]);
  if (argc >= 4 && (std::strcmp(argv[1], "exit") == 0 || std::strcmp(argv[1], "return") == 0))
    return scenario(argv[1], argv[2], argv[3]);
  if (argc >= 3 && std::strcmp(argv[1], "sink") == 0) return with_sink(argv[2]);
  if (argc >= 4 && std::strcmp(argv[1], "app-log") == 0) return app_log(argv[2], argv[3]);
  if (argc >= 4 && std::strcmp(argv[1], "shutdown") == 0) return shutdown_idiom(argv[2], argv[3]);
#ifndef _WIN32
  if (argc >= 2 && std::strcmp(argv[1], "identity") == 0) {
    const tfm::owner_id parent = tfm::current_process();  // first use, no manager
    const pid_t child = ::fork();
    if (child == 0) {
      const tfm::owner_id me = tfm::current_process();
      ::_exit(me.pid == static_cast<std::uint32_t>(::getpid()) && me != parent && me.instance != parent.instance ? 0 : 1);
    }
    int st = 0;
    ::waitpid(child, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 3;
  }
#endif
  if (argc >= 3 && std::strcmp(argv[1], "sweep") == 0)
    return tfm::sweep(fs::canonical(argv[2])).removed.size() == 1 ? 0 : 1;
  std::cerr << "usage: tempfm_test_child exit|return|app-log|shutdown ROOT LIST | sink ROOT | ... (see the top of child_main.cpp)\n";
  return 2;
}
