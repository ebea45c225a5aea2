// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// bench_tempfm: boost_tempfm against raw POSIX calls, measured in the same run, as ratios.
//
//   bench_tempfm DIR [--quick]
//   bench_tempfm DIR --save-loop N     N atomic saves, nothing timed (for callgrind or perf)
//
// DIR is where the roots are made (run it once on tmpfs, e.g. /dev/shm, and once on a disk).
// Each A/B pair is run in alternating rounds and the median round is kept, so that drift of the
// machine hits both sides. Prints a Markdown table.
#include <boost_tempfm/tempfm.hpp>

#include <boost/filesystem/operations.hpp>

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <time.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

namespace fs = boost::filesystem;
namespace tfm = boost_tempfm;
// Wall clock by default. BENCH_CLOCK=cpu: the process's CPU time (user + system), for the
// single-process measures on a loaded machine, where waiting for a CPU is most of the noise (the
// multi-process measures' children are not counted: do not use it for them).
struct clk {
  using time_point = std::chrono::nanoseconds;  // since an arbitrary origin
  static bool cpu;
  static time_point now() {
    timespec ts;
    ::clock_gettime(cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
  }
};
bool clk::cpu = false;

namespace {

fs::path base;
bool quick = false;

double secs(clk::time_point a, clk::time_point b) { return std::chrono::duration<double>(b - a).count(); }

fs::path fresh(const std::string& name) {
  fs::path p = base / fs::unique_path(name + "-%%%%%%%%");
  fs::create_directories(p);
  fs::permissions(p, fs::perms::owner_all);
  return fs::canonical(p);
}

void die(const char* what) {
  std::perror(what);
  std::exit(1);
}

void write_small(const std::string& p) {
  int fd = ::open(p.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) die("open");
  if (::write(fd, "0123456789abcdef", 16) != 16) die("write");
  ::close(fd);
}

int rm_entry(const char* p, const struct stat*, int type, struct FTW*) {
  return type == FTW_DP ? ::rmdir(p) : ::unlink(p);
}

// Runs a and b `rounds` times alternately (a first, then b first, ...); returns the median seconds
// of each.
std::pair<double, double> ab(int rounds, const std::function<double()>& a, const std::function<double()>& b) {
  std::vector<double> ta, tb;
  for (int r = 0; r < rounds; ++r) {
    if (r % 2 == 0) {  // which side goes first alternates too
      ta.push_back(a());
      tb.push_back(b());
    } else {
      tb.push_back(b());
      ta.push_back(a());
    }
  }
  std::sort(ta.begin(), ta.end());
  std::sort(tb.begin(), tb.end());
  return {ta[ta.size() / 2], tb[tb.size() / 2]};
}

void row(const std::string& what, const std::string& unit, double ours, double raw, const std::string& target) {
  std::printf("| %s | %.2f %s | %.2f %s | **%.3fx** | %s |\n", what.c_str(), ours, unit.c_str(), raw, unit.c_str(),
              ours / raw, target.c_str());
  std::fflush(stdout);
}

// 1. A scoped temp file created and removed.
void scoped_file() {
  const int n = quick ? 2000 : 20000;
  const fs::path root = fresh("file");
  tfm::temp_file_manager m("b_", root);
  const std::string tmpl = (root / "raw_XXXXXXXXXXXXXXXX").string();
  auto ours = [&] {
    auto t0 = clk::now();
    for (int i = 0; i < n; ++i) {
      tfm::temp_file f = m.create_temp_file();
    }
    return secs(t0, clk::now());
  };
  auto raw = [&] {
    std::vector<char> buf(tmpl.size() + 1);
    auto t0 = clk::now();
    for (int i = 0; i < n; ++i) {
      std::memcpy(buf.data(), tmpl.c_str(), tmpl.size() + 1);
      int fd = ::mkstemp(buf.data());
      if (fd < 0) die("mkstemp");
      ::close(fd);
      ::unlink(buf.data());
    }
    return secs(t0, clk::now());
  };
  auto r = ab(7, ours, raw);
  row("scoped temp file: create + remove (registry included)", "µs", r.first / n * 1e6, r.second / n * 1e6,
      "≤ 1.05x");
}

// 1b. An unnamed scratch file (O_TMPFILE) opened and closed.
void unnamed_file() {
  const int n = quick ? 2000 : 20000;
  const fs::path root = fresh("unnamed");
  tfm::temp_file_manager m("b_", root);
  boost::system::error_code none;
  (void)m.create_unnamed_file(none);
  if (none == boost::system::errc::operation_not_supported) {  // the portable POSIX backend has none
    std::cout << "| unnamed file | not with this library's platform backend | | | |\n";
    return;
  }
  auto ours = [&] {
    auto t0 = clk::now();
    for (int i = 0; i < n; ++i) {
      tfm::unnamed_file f = m.create_unnamed_file();
    }
    return secs(t0, clk::now());
  };
  auto raw = [&] {
    auto t0 = clk::now();
    for (int i = 0; i < n; ++i) {
      const int fd = ::open(root.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
      if (fd < 0) die("open(O_TMPFILE)");
      ::close(fd);
    }
    return secs(t0, clk::now());
  };
  auto r = ab(7, ours, raw);
  row("unnamed file: create + close (raw: open(O_TMPFILE) + close)", "µs", r.first / n * 1e6, r.second / n * 1e6,
      "≤ 1.05x");
}

// 1c. An atomic save of a small file over an existing destination. sync=false: no fsync on either
// side; sync=true: the file and the directory are fsynced on both sides (what makes the save
// durable). mode: given explicitly (mode(0644): an fchmod more); otherwise the default, 0666 less
// the umask as open(2) gives it, like the raw side.
void atomic_save(bool sync, bool mode) {
  const int n = quick ? (sync ? 100 : 2000) : (sync ? 500 : 20000);
  const fs::path root = fresh("atomic-root");
  const fs::path out = fresh("atomic-out");
  tfm::temp_file_manager m("b_", root);
  const fs::path dest = out / "result.json";
  const std::string raw_tmp = (out / "raw.json.tmp").string(), raw_dest = (out / "raw.json").string();
  const tfm::persist_options opt = tfm::persist_options().sync(sync);
  const tfm::create_options copt = mode ? tfm::create_options().mode(0644) : tfm::create_options();
  auto ours = [&] {
    auto t0 = clk::now();
    for (int i = 0; i < n; ++i) {
      tfm::atomic_file f = m.create_atomic_file(dest, copt);
      if (::write(f.native_handle(), "0123456789abcdef", 16) != 16) die("write");
      f.commit(opt);
    }
    return secs(t0, clk::now());
  };
  auto raw = [&] {
    auto t0 = clk::now();
    for (int i = 0; i < n; ++i) {
      const int fd = ::open(raw_tmp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
      if (fd < 0) die("open");
      if (::write(fd, "0123456789abcdef", 16) != 16) die("write");
      if (sync && ::fsync(fd) != 0) die("fsync");
      ::close(fd);
      if (::rename(raw_tmp.c_str(), raw_dest.c_str()) != 0) die("rename");
      if (sync) {
        const int d = ::open(out.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (d < 0 || ::fsync(d) != 0) die("fsync dir");
        ::close(d);
      }
    }
    return secs(t0, clk::now());
  };
  auto r = ab(7, ours, raw);
  row(std::string("atomic save of 16 bytes over a file, ") + (sync ? "fsync of file and directory" : "no fsync") +
          (mode ? ", mode given" : ", default mode") + " (raw: open(O_EXCL) + write + " +
          (sync ? "fsync + " : "") + "close + rename" + (sync ? " + fsync(dir)" : "") + ", one fixed temp name)",
      "µs", r.first / n * 1e6, r.second / n * 1e6, sync || mode ? "" : "≤ 1.05x");
  if (sync || mode) return;
  // The same raw sequence with a new temp name per save, as long as ours (".result.json.<16 hex>.tmp"):
  // what a save safe against a concurrent writer of the same destination must do. A fixed name
  // reuses one cached directory entry, which costs the kernel less than a new name each time.
  std::uint64_t counter = 0;
  auto raw_unique = [&] {
    auto t0 = clk::now();
    char name[PATH_MAX];
    for (int i = 0; i < n; ++i) {
      std::snprintf(name, sizeof name, "%s/.raw.json.%016llx.tmp", out.c_str(),
                    static_cast<unsigned long long>(++counter * 0x9E3779B97F4A7C15ull));
      const int fd = ::open(name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
      if (fd < 0) die("open");
      if (::write(fd, "0123456789abcdef", 16) != 16) die("write");
      ::close(fd);
      if (::rename(name, raw_dest.c_str()) != 0) die("rename");
    }
    return secs(t0, clk::now());
  };
  auto u = ab(7, ours, raw_unique);
  row("atomic save of 16 bytes over a file, no fsync, default mode (raw: the same with a new temp name per save)",
      "µs", u.first / n * 1e6, u.second / n * 1e6, "");
}

// 2. A temp dir with 10 small files.
void dir_with_files() {
  const int n = quick ? 300 : 3000;
  const fs::path root = fresh("dir");
  tfm::temp_file_manager m("b_", root);
  const std::string tmpl = (root / "raw_XXXXXXXXXXXXXXXX").string();
  auto fill = [](const std::string& d) {
    for (int k = 0; k < 10; ++k) write_small(d + "/f" + std::to_string(k));
  };
  auto ours = [&] {
    auto t0 = clk::now();
    for (int i = 0; i < n; ++i) {
      tfm::temp_dir d = m.create_temp_dir();
      fill(d.path().native());
    }
    return secs(t0, clk::now());
  };
  auto raw = [&] {
    std::vector<char> buf(tmpl.size() + 1);
    auto t0 = clk::now();
    for (int i = 0; i < n; ++i) {
      std::memcpy(buf.data(), tmpl.c_str(), tmpl.size() + 1);
      if (!::mkdtemp(buf.data())) die("mkdtemp");
      fill(buf.data());
      if (::nftw(buf.data(), rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) die("nftw");
    }
    return secs(t0, clk::now());
  };
  auto r = ab(7, ours, raw);
  row("temp dir with 10 small files: create, fill, remove (raw: mkdtemp + nftw)", "µs", r.first / n * 1e6,
      r.second / n * 1e6, "≤ 1.05x");
}

// 3. 4 and 8 processes at once on one root (on 2 cores: more processes than cores).
void processes(int procs) {
  const int n = quick ? 2000 : 10000;
  const fs::path root = fresh("procs");
  auto run = [&](bool ours) {
    auto t0 = clk::now();
    std::vector<pid_t> pids;
    for (int p = 0; p < procs; ++p) {
      pid_t pid = ::fork();
      if (pid == 0) {
        if (ours) {
          tfm::temp_file_manager m("p_", root);
          for (int i = 0; i < n; ++i) tfm::temp_file f = m.create_temp_file();
        } else {
          std::string tmpl = (root / "raw_XXXXXXXXXXXXXXXX").string();
          for (int i = 0; i < n; ++i) {
            std::string b = tmpl;
            int fd = ::mkstemp(&b[0]);
            if (fd < 0) ::_exit(1);
            ::close(fd);
            ::unlink(b.c_str());
          }
        }
        ::_exit(0);
      }
      pids.push_back(pid);
    }
    for (pid_t pid : pids) {
      int st;
      ::waitpid(pid, &st, 0);
      if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) die("worker");
    }
    return secs(t0, clk::now());
  };
  auto r = ab(7, [&] { return run(true); }, [&] { return run(false); });
  const double ours_tp = procs * n / r.first, raw_tp = procs * n / r.second;
  std::printf("| %d processes on one root: aggregate scoped files per second | %.0f /s | %.0f /s | **%.3fx** of raw "
              "throughput | ≥ 0.97x |\n",
              procs, ours_tp, raw_tp, ours_tp / raw_tp);
  std::fflush(stdout);
}

// Makes n empty files named by the caller in dir (raw side of the bulk tests).
std::vector<std::string> make_files(const fs::path& dir, int n) {
  std::vector<std::string> v;
  v.reserve(std::size_t(n));
  for (int i = 0; i < n; ++i) {
    v.push_back((dir / ("raw_" + std::to_string(i))).string());
    int fd = ::open(v.back().c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) die("open");
    ::close(fd);
  }
  return v;
}

double unlink_loop(const std::vector<std::string>& v) {
  auto t0 = clk::now();
  for (const std::string& p : v) ::unlink(p.c_str());
  return secs(t0, clk::now());
}

// 4. cleanup_all of N tracked files, and 5. a sweep of N orphaned entries; registry size.
// Five rounds, alternating with the raw unlink loops (and which goes first); medians.
void bulk(int n) {
  std::vector<double> oc, rc, os, rs;
  std::uintmax_t reg_full = 0, reg_after = 0;
  for (int round = 0; round < 5; ++round) {
    const fs::path root = fresh("bulk");
    const fs::path rawdir = fresh("bulk-raw");
    const fs::path regfile = tfm::registry_dir(root) / "registry.v2";
    // Space the registry takes on its filesystem.
    auto allocated = [&] {
      struct stat st;
      return ::stat(regfile.c_str(), &st) == 0 ? std::uintmax_t(st.st_blocks) * 512u : 0u;
    };
    auto ours_cleanup = [&] {
      tfm::temp_file_manager m("c_", root);
      std::vector<tfm::temp_file> files;
      files.reserve(std::size_t(n));
      for (int i = 0; i < n; ++i) files.push_back(m.create_temp_file());
      reg_full = allocated();
      auto t0 = clk::now();
      m.cleanup_all();
      oc.push_back(secs(t0, clk::now()));
      reg_after = allocated();
    };
    auto ours_sweep = [&] {
      // Orphans: a process holding n scoped temp files dies without any cleanup.
      pid_t pid = ::fork();
      if (pid == 0) {
        tfm::temp_file_manager m("o_", root);
        std::vector<tfm::temp_file> files;
        files.reserve(std::size_t(n));
        for (int i = 0; i < n; ++i) files.push_back(m.create_temp_file());
        ::_exit(0);
      }
      int st;
      ::waitpid(pid, &st, 0);
      auto t0 = clk::now();
      tfm::sweep_report rep = tfm::sweep(root);
      os.push_back(secs(t0, clk::now()));
      if (rep.removed.size() != std::size_t(n)) {
        std::fprintf(stderr, "sweep removed %zu of %d\n", rep.removed.size(), n);
        std::exit(1);
      }
    };
    // Alternate which side goes first, so that what one side leaves to the kernel (deferred frees)
    // weighs on both alike.
    if (round % 2 == 0) {
      ours_cleanup();
      rc.push_back(unlink_loop(make_files(rawdir, n)));
      ours_sweep();
      rs.push_back(unlink_loop(make_files(rawdir, n)));
    } else {
      rc.push_back(unlink_loop(make_files(rawdir, n)));
      ours_cleanup();
      rs.push_back(unlink_loop(make_files(rawdir, n)));
      ours_sweep();
    }
    fs::remove_all(root);
    fs::remove_all(rawdir);
  }
  auto med = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  row("cleanup_all of " + std::to_string(n) + " tracked files (raw: unlink loop)", "ms", med(oc) * 1e3,
      med(rc) * 1e3, "≤ 1.10x");
  row("sweep of " + std::to_string(n) + " orphaned entries of a SIGKILLed-like process (raw: unlink loop)", "ms",
      med(os) * 1e3, med(rs) * 1e3, "≤ 1.10x");
  std::printf("| registry space with %d live entries (allocated) | %.1f bytes per entry (%ju bytes) | | | |\n", n,
              double(reg_full) / n, reg_full);
  std::printf("| registry space after all were removed (allocated) | %ju bytes | | | |\n", reg_after);
  std::fflush(stdout);
}

// 6. First use of get_temp_manager() in fresh processes: on an empty root, and on a root holding
// `orphans` entries of a dead process (the bounded start-up sweep removes a few of them each time).
void first_use(int orphans) {
  const fs::path root = base / fs::unique_path("first-%%%%%%%%");
  if (orphans > 0) {
    fs::create_directories(root);
    fs::permissions(root, fs::perms::owner_all);
    pid_t pid = ::fork();
    if (pid == 0) {
      tfm::temp_file_manager m("o_", root);
      std::vector<tfm::temp_file> files;
      files.reserve(std::size_t(orphans));
      for (int i = 0; i < orphans; ++i) files.push_back(m.create_temp_file());
      ::_exit(0);  // dies holding them
    }
    int st;
    ::waitpid(pid, &st, 0);
  }
  std::vector<double> t;
  for (int i = 0; i < 21; ++i) {
    int p[2];
    if (::pipe(p) != 0) die("pipe");
    pid_t pid = ::fork();
    if (pid == 0) {
      ::setenv("BOOST_TEMPFM_ROOT", root.c_str(), 1);
      auto t0 = clk::now();
      tfm::get_temp_manager();
      double d = secs(t0, clk::now());
      if (::write(p[1], &d, sizeof d) != sizeof d) ::_exit(1);
      ::_exit(0);
    }
    double d = 0;
    if (::read(p[0], &d, sizeof d) != sizeof d) die("read");
    ::close(p[0]);
    ::close(p[1]);
    int st;
    ::waitpid(pid, &st, 0);
    t.push_back(d);
    if (orphans == 0) fs::remove_all(root);
  }
  fs::remove_all(root);
  std::sort(t.begin(), t.end());
  std::printf("| first get_temp_manager() on %s (fresh process; median of 21, max) | %.3f ms (max %.3f) | "
              "| | < 1 ms |\n",
              orphans ? ("a root with " + std::to_string(orphans) + " orphans").c_str() : "an empty root",
              t[t.size() / 2] * 1e3, t.back() * 1e3);
  std::fflush(stdout);
}

// For a profiler (callgrind, perf): n atomic saves of 16 bytes to one destination, nothing timed.
void save_loop(const fs::path& dir, int n) {
  tfm::temp_file_manager m("b_", dir / "root");
  const fs::path dest = fs::canonical(dir) / "result.json";
  for (int i = 0; i < n; ++i) {
    tfm::atomic_file f = m.create_atomic_file(dest);
    if (::write(f.native_handle(), "0123456789abcdef", 16) != 16) die("write");
    f.commit(tfm::persist_options().sync(false));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_tempfm DIR [--quick | --save-loop N]\n";
    return 2;
  }
  if (argc > 3 && std::string(argv[2]) == "--save-loop") {
    base = fs::path(argv[1]) / fs::unique_path("tempfm-bench-%%%%%%%%");
    fs::create_directories(base);
    save_loop(base, std::atoi(argv[3]));
    fs::remove_all(base);
    return 0;
  }
  quick = argc > 2 && std::string(argv[2]) == "--quick";
  base = fs::path(argv[1]) / fs::unique_path("tempfm-bench-%%%%%%%%");
  fs::create_directories(base);
  std::printf("\nbench_tempfm on %s%s%s\n\n", argv[1], quick ? " (quick)" : "", clk::cpu ? " (CPU time)" : "");
  std::printf("| measure | boost_tempfm | raw POSIX | ratio | target |\n|---|---|---|---|---|\n");
  // BENCH_ONLY=bulk (or file, unnamed, atomic, dir, procs, first) runs one measure.
  const std::string only = std::getenv("BENCH_ONLY") ? std::getenv("BENCH_ONLY") : "";
  clk::cpu = std::getenv("BENCH_CLOCK") && std::string(std::getenv("BENCH_CLOCK")) == "cpu";
  if (only.empty() || only == "file") scoped_file();
  if (only.empty() || only == "unnamed") unnamed_file();
  if (only.empty() || only == "atomic") {
    atomic_save(false, false);
    atomic_save(false, true);
    atomic_save(true, false);
  }
  if (only.empty() || only == "dir") dir_with_files();
  if (only.empty() || only == "procs") {
    processes(4);
    processes(8);
  }
  if (only.empty() || only == "bulk")
    bulk(quick ? 5000 : (std::getenv("BENCH_BULK") ? std::atoi(std::getenv("BENCH_BULK")) : 100000));
  if (only.empty() || only == "first") {
    first_use(0);
    first_use(quick ? 5000 : 100000);
  }
  fs::remove_all(base);
  return 0;
}
