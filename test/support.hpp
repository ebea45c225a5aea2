// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Helpers shared by the tests: a scratch directory per test, real child processes (fork or exec of
// the tempfm_test_child helper), and small file utilities.
#ifndef BOOST_TEMPFM_TEST_SUPPORT_HPP
#define BOOST_TEMPFM_TEST_SUPPORT_HPP

#include <boost/filesystem.hpp>
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace tempfm_test {

namespace fs = boost::filesystem;

// A fresh directory under the system temp dir, removed (with boost's remove_all) at scope end.
struct scratch {
  fs::path dir;
  scratch() {
    dir = fs::temp_directory_path() / fs::unique_path("tempfm-test-%%%%%%%%%%%%");
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_all);
  }
  ~scratch() {
    boost::system::error_code ec;
    // Give back write/search permission that tests took away, then remove.
    for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      if (it->symlink_status(ec).type() == fs::directory_file) ::chmod(it->path().c_str(), 0700);
    }
    fs::remove_all(dir, ec);
  }
  scratch(const scratch&) = delete;
  scratch& operator=(const scratch&) = delete;
};

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p.string(), std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Throws (no Boost.Test macro: it is also used from several threads and in child processes).
inline void write_file(const fs::path& p, const std::string& content) {
  std::ofstream out(p.string(), std::ios::binary);
  out << content;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

inline std::vector<std::string> read_lines(const fs::path& p) {
  std::vector<std::string> lines;
  std::ifstream in(p.string());
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

// The names directly in dir, except the registry's own directory (.tempfm-<uid>).
inline std::set<std::string> listing(const fs::path& dir) {
  std::set<std::string> names;
  for (fs::directory_iterator it(dir), end; it != end; ++it) {
    const std::string n = it->path().filename().string();
    if (n.rfind(".tempfm-", 0) != 0) names.insert(n);
  }
  return names;
}

inline bool exists_nofollow(const fs::path& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0;
}

inline unsigned mode_of(const fs::path& p) {
  struct stat st;
  BOOST_REQUIRE(::lstat(p.c_str(), &st) == 0);
  return static_cast<unsigned>(st.st_mode & 07777);
}

struct child_result {
  int status = -1;  // raw wait status
  std::string out;  // what the child wrote to stdout and stderr
  bool exited_with(int code) const { return WIFEXITED(status) && WEXITSTATUS(status) == code; }
};

// Reads fd to the end.
inline std::string drain(int fd) {
  std::string s;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      s.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  return s;
}

// Runs fn in a real child made by fork(); the child's stdout and stderr go to a pipe, and it
// ends with _exit(fn()) unless fn ends the process itself. An exception in fn is exit code 99.
inline child_result run_forked(const std::function<int()>& fn) {
  int p[2];
  BOOST_REQUIRE(::pipe(p) == 0);
  std::cout.flush();
  std::cerr.flush();
  pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(p[0]);
    ::dup2(p[1], 1);
    ::dup2(p[1], 2);
    ::close(p[1]);
    int code = 99;
    try {
      code = fn();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child threw: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "child threw\n");
    }
    std::fflush(stdout);
    std::fflush(stderr);
    ::_exit(code);
  }
  ::close(p[1]);
  child_result r;
  r.out = drain(p[0]);
  ::close(p[0]);
  while (::waitpid(pid, &r.status, 0) < 0 && errno == EINTR) {
  }
  return r;
}

// f() must throw filesystem_error with code err, a message holding reason, and a path (p when given).
template <class F>
void expect_error(F f, int err, const std::string& reason, const fs::path& p = {}) {
  try {
    f();
    BOOST_FAIL("expected an error: " << reason);
  } catch (const fs::filesystem_error& e) {
    BOOST_TEST(e.code().value() == err, e.what());
    BOOST_TEST(std::string(e.what()).find(reason) != std::string::npos, e.what());
    if (p.empty())
      BOOST_TEST(!e.path1().empty());
    else
      BOOST_TEST(e.path1() == p, e.what());
  }
}

// The path of a helper program (tempfm_test_child, tempfm_test_lock, tempfm): the build passes
// them as arguments after "--".
inline std::string program(const std::string& name) {
  auto& mts = boost::unit_test::framework::master_test_suite();
  for (int i = 1; i < mts.argc; ++i) {
    fs::path p(mts.argv[i]);
    if (p.filename() == name && fs::exists(p)) return fs::absolute(p).string();
  }
  BOOST_FAIL("the path of " << name << " must be given after --");
  return {};
}
inline std::string child_program() { return program("tempfm_test_child"); }

// Runs the helper with args (exec in a real new process), with extra environment variables;
// captures stdout and stderr separately.
struct exec_result {
  int status = -1;
  std::string out, err;
  bool exited_with(int code) const { return WIFEXITED(status) && WEXITSTATUS(status) == code; }
};

// In a forked child: execv(prog, prog + args); exit code 97 if that fails.
[[noreturn]] inline void exec_or_die(const std::string& prog, const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(prog.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv(prog.c_str(), argv.data());
  ::_exit(97);
}

inline exec_result run_program(const std::string& prog, const std::vector<std::string>& args,
                               const std::vector<std::string>& env_extra = {}) {
  scratch io;
  const fs::path out_file = io.dir / "stdout", err_file = io.dir / "stderr";
  std::cout.flush();
  pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    int o = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int e = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (o < 0 || e < 0) ::_exit(98);
    ::dup2(o, 1);
    ::dup2(e, 2);
    for (const std::string& kv : env_extra) ::putenv(const_cast<char*>(kv.c_str()));
    exec_or_die(prog, args);
  }
  exec_result r;
  while (::waitpid(pid, &r.status, 0) < 0 && errno == EINTR) {
  }
  r.out = read_file(out_file);
  r.err = read_file(err_file);
  return r;
}

inline exec_result run_child_program(const std::vector<std::string>& args,
                                     const std::vector<std::string>& env_extra = {}) {
  return run_program(child_program(), args, env_extra);
}

// In a forked child: become nobody if we are root. Returns false if that failed.
inline bool drop_to_nobody();

// Starts a helper in the background (stdout/stderr to /dev/null), as nobody if asked (from root;
// as ourselves otherwise); returns its pid.
inline pid_t spawn(const std::string& prog, const std::vector<std::string>& args, bool as_nobody = false) {
  pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    int n = ::open("/dev/null", O_WRONLY);
    if (n >= 0) {
      ::dup2(n, 1);
      ::dup2(n, 2);
    }
    if (as_nobody && !drop_to_nobody()) ::_exit(98);
    exec_or_die(prog, args);
  }
  return pid;
}

// Waits for pid; returns its wait status.
inline int wait_for(pid_t pid) {
  int status = -1;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// Waits until file exists (a helper's readiness), at most `seconds`.
inline bool wait_for_file(const fs::path& file, double seconds) {
  for (int i = 0; i < seconds * 200; ++i) {
    if (fs::exists(file)) return true;
    ::usleep(5000);
  }
  return false;
}

// The uid/gid of "nobody", to act as another user in a child (tests run as root in CI).
constexpr uid_t nobody_uid = 65534;
constexpr gid_t nobody_gid = 65534;

// In a forked child: become nobody if we are root. Returns false if that failed.
inline bool drop_to_nobody() {
  if (::geteuid() != 0) return true;
  return ::setgroups(0, nullptr) == 0 && ::setgid(nobody_gid) == 0 && ::setuid(nobody_uid) == 0;
}

// Hands dir (recursively) to nobody when we are root.
inline void give_to_nobody(const fs::path& dir) {
  if (::geteuid() != 0) return;
  BOOST_REQUIRE(::chown(dir.c_str(), nobody_uid, nobody_gid) == 0);
  for (fs::recursive_directory_iterator it(dir), end; it != end; ++it)
    BOOST_REQUIRE(::lchown(it->path().c_str(), nobody_uid, nobody_gid) == 0);
}

// Runs fn in a forked child as an unprivileged user, so that permission bits really apply: as
// nobody (owning dir) when the tests run as root, as ourselves otherwise. fn returns 0 on success;
// the child reports what failed on stderr, returned in child_result::out.
inline child_result run_unprivileged(const fs::path& dir, const std::function<int()>& fn) {
  give_to_nobody(dir);
  return run_forked([&] { return drop_to_nobody() ? fn() : 98; });
}

inline bool is_root() { return ::geteuid() == 0; }

// The library's platform backend, as the build says (CMake and b2 define TEMPFM_TEST_PORTABLE_BACKEND
// for every test): the portable POSIX backend gives fewer guarantees (doc/design.md, "Platforms and
// limits").
constexpr bool portable_backend = TEMPFM_TEST_PORTABLE_BACKEND != 0;

// Precondition of a test of a guarantee only the Linux backend gives: skipped with the portable
// backend, saying why, e.g.
//   *boost::unit_test::precondition(linux_backend_only{"cannot tell a bind mount ... apart"})
struct linux_backend_only {
  const char* why;  // what the portable backend cannot do
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
    boost::test_tools::assertion_result r(!portable_backend);
    if (portable_backend) r.message() << "skipped with the portable POSIX backend, which " << why;
    return r;
  }
};

// The reasons shared by several suites.
constexpr const char* no_birth_time =
    "has no birth time on Linux (no statx): the status change time stands in, so an object written (or "
    "given entries) after its identity was recorded is taken for another one, and a sweep leaves it in place";
constexpr const char* no_unnamed_files =
    "has no unnamed files (no O_TMPFILE): create_unnamed_file() fails with EOPNOTSUPP (test_platform)";

// Root, and `unshare` can make PID and mount namespaces here (not in every container).
inline bool can_unshare() {
  if (!is_root()) return false;
  return std::system("unshare --pid --fork --mount-proc true >/dev/null 2>&1") == 0;
}

// For code running in a child: counts failed checks and says which.
struct child_checks {
  int failed = 0;
  void operator()(bool ok, const std::string& what) {
    if (!ok) {
      ++failed;
      std::fprintf(stderr, "check failed: %s\n", what.c_str());
    }
  }
};

}  // namespace tempfm_test

#endif
