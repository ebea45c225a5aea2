// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Helpers shared by the tests: a scratch directory per test, real child processes (fork or exec of
// the tempfm_test_child helper), and small file utilities.
//
// This file is the tests' one platform seam. On POSIX it is what it always was. On Windows (MinGW,
// run under wine in CI) a child process is CreateProcessW of the helper program, `kill -9` is
// TerminateProcess (kill_hard), a wait status is the process's exit code (exited_with,
// killed_hard), and every child is in a job object that ends it when the test program ends. The
// helpers that only POSIX can give (run_forked, run_unprivileged, mode_of...) exist on Windows so
// that a case using them compiles, and fail if called: such a case carries
//   *boost::unit_test::precondition(skip_on_windows{"uses fork(2)"})
// and is skipped there, saying why (the reason is printed, and build.sh counts those lines). A whole
// suite that is POSIX by nature is listed in test/windows_skip.txt instead (test/CMakeLists.txt).
#ifndef BOOST_TEMPFM_TEST_SUPPORT_HPP
#define BOOST_TEMPFM_TEST_SUPPORT_HPP

#include <boost/filesystem.hpp>
#include <boost/test/unit_test.hpp>

#include "system_headers.hpp"

#ifdef _WIN32
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#endif

#include <cstdint>
#include <cstdio>
#include <type_traits>
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
#ifndef _WIN32
    // Give back write/search permission that tests took away, then remove.
    for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      if (it->symlink_status(ec).type() == fs::directory_file) ::chmod(it->path().c_str(), 0700);
    }
#endif
    fs::remove_all(dir, ec);
  }
  scratch(const scratch&) = delete;
  scratch& operator=(const scratch&) = delete;
};

// On Windows the streams open the UTF-16 name (libstdc++'s wchar_t* overloads): path::string() is
// in the ANSI code page, which cannot hold every name.
#ifdef _WIN32
#define TEMPFM_TEST_STREAM_NAME(p) (p).c_str()
#else
#define TEMPFM_TEST_STREAM_NAME(p) (p).string()
#endif

inline std::string read_file(const fs::path& p) {
#ifdef _WIN32
  // With every share mode: a file the library holds open (with DELETE access) refuses an opener
  // that does not share delete, as the C runtime's fopen does not.
  HANDLE h = ::CreateFileW(p.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                           OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  std::string s;
  if (h == INVALID_HANDLE_VALUE) return s;
  char buf[4096];
  for (DWORD n = 0; ::ReadFile(h, buf, sizeof buf, &n, nullptr) && n > 0;) s.append(buf, n);
  ::CloseHandle(h);
  return s;
#else
  std::ifstream in(TEMPFM_TEST_STREAM_NAME(p), std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
#endif
}

// Throws (no Boost.Test macro: it is also used from several threads and in child processes).
inline void write_file(const fs::path& p, const std::string& content) {
  std::ofstream out(TEMPFM_TEST_STREAM_NAME(p), std::ios::binary);
  out << content;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

inline std::vector<std::string> read_lines(const fs::path& p) {
  std::vector<std::string> lines;
  std::ifstream in(TEMPFM_TEST_STREAM_NAME(p));
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

// A name that is not ASCII: ascii_prefix + "ü日ж", in UTF-8 on POSIX, in UTF-16 on Windows.
inline fs::path non_ascii(const std::string& ascii_prefix) {
#ifdef _WIN32
  return fs::path(std::wstring(ascii_prefix.begin(), ascii_prefix.end()) + L"\u00fc\u65e5\u0436");
#else
  return fs::path(ascii_prefix + "\xc3\xbc\xe6\x97\xa5\xd0\xb6");
#endif
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

#ifdef _WIN32
// ---- Windows: CreateProcessW, TerminateProcess, exit codes; the POSIX-only helpers fail if called.

constexpr bool on_windows = true;

// The exit code TerminateProcess gives a child killed by kill_hard (128 + 9, as a shell says).
constexpr unsigned kill_exit_code = 137;

// A wait status is the child's exit code.
inline bool exited_with(int status, int code) { return status == code; }
inline bool killed_hard(int status) { return status == static_cast<int>(kill_exit_code); }
inline bool exited_normally(int status) { return !killed_hard(status); }

inline bool exists_nofollow(const fs::path& p) {
  return ::GetFileAttributesW(p.c_str()) != INVALID_FILE_ATTRIBUTES;  // a reparse point itself
}

inline unsigned mode_of(const fs::path& p) {
  BOOST_FAIL("POSIX permission bits do not exist on Windows: mode_of(" << p.string()
             << ") is called by a case that must be skipped there");
  return 0;
}

// What chmod can say on Windows: read-only (no write bit for the owner) or not.
inline int set_mode(const fs::path& p, unsigned mode) {
  return ::_wchmod(p.c_str(), (mode & 0200) != 0 ? (_S_IREAD | _S_IWRITE) : _S_IREAD);
}

inline int current_pid() { return static_cast<int>(::GetCurrentProcessId()); }

inline bool can_read(const fs::path& p) { return ::_waccess(p.c_str(), 4) == 0; }

// A native handle the library gave is open (a HANDLE that is neither null nor INVALID_HANDLE_VALUE).
template <class Native>
bool valid_handle(Native h) {
  if constexpr (std::is_pointer_v<Native>)
    return h != nullptr && reinterpret_cast<HANDLE>(h) != INVALID_HANDLE_VALUE;
  else
    return h >= 0;
}

// Writes through a library object's native handle: a HANDLE, or a C runtime descriptor, whichever
// the port gives. Returns the bytes written or -1.
template <class Native>
long long write_native(Native h, const char* data, std::size_t n) {
  if constexpr (std::is_pointer_v<Native>) {
    DWORD done = 0;
    return ::WriteFile(reinterpret_cast<HANDLE>(h), data, static_cast<DWORD>(n), &done, nullptr) ? static_cast<long long>(done) : -1LL;
  } else {
    return ::_write(static_cast<int>(h), data, static_cast<unsigned>(n));
  }
}

inline void set_env(const std::string& name, const std::string& value) { ::_putenv_s(name.c_str(), value.c_str()); }

// Is this wine? (ntdll exports wine_get_version there only.)
inline bool on_wine() {
  HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
  return ntdll && ::GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

namespace win_detail {

// Every child goes into this job, which ends them all when the test program ends (a child left
// hanging by a failed test must not outlive it, nor keep wineserver running).
inline HANDLE job() {
  static HANDLE j = [] {
    HANDLE h = ::CreateJobObjectW(nullptr, nullptr);
    if (h) {
      JOBOBJECT_EXTENDED_LIMIT_INFORMATION info{};
      info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
      ::SetInformationJobObject(h, JobObjectExtendedLimitInformation, &info, sizeof info);
    }
    return h;
  }();
  return j;
}

// The handles of the children not yet waited for, by process id.
inline std::mutex& children_mutex() {
  static std::mutex m;
  return m;
}
inline std::map<pid_t, HANDLE>& children() {
  static std::map<pid_t, HANDLE> m;
  return m;
}

// Program arguments are narrow strings in the ANSI code page, as path::string() makes them and
// as the child's argv receives them.
inline std::wstring widen(const std::string& s) {
  if (s.empty()) return {};
  const int n = ::MultiByteToWideChar(CP_ACP, 0, s.data(), static_cast<int>(s.size()), nullptr, 0);
  std::wstring w(static_cast<std::size_t>(n), L'\0');
  ::MultiByteToWideChar(CP_ACP, 0, s.data(), static_cast<int>(s.size()), &w[0], n);
  return w;
}

// One argument quoted for CommandLineToArgvW and the C runtime's argv parsing.
inline void append_quoted(std::wstring& cmd, const std::wstring& a) {
  if (!cmd.empty()) cmd += L' ';
  if (!a.empty() && a.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
    cmd += a;
    return;
  }
  cmd += L'"';
  for (std::size_t i = 0;; ++i) {
    std::size_t backslashes = 0;
    while (i < a.size() && a[i] == L'\\') {
      ++i;
      ++backslashes;
    }
    if (i == a.size()) {
      cmd.append(backslashes * 2, L'\\');
      break;
    }
    if (a[i] == L'"') {
      cmd.append(backslashes * 2 + 1, L'\\');
    } else {
      cmd.append(backslashes, L'\\');
    }
    cmd += a[i];
  }
  cmd += L'"';
}

// The environment block: ours, with env_extra ("NAME=VALUE") replacing or adding variables.
inline std::wstring environment(const std::vector<std::string>& env_extra) {
  std::vector<std::wstring> extra;
  for (const std::string& kv : env_extra) extra.push_back(widen(kv));
  auto name_of = [](const std::wstring& kv) { return kv.substr(0, kv.find(L'=', 1)); };
  std::wstring block;
  wchar_t* env = ::GetEnvironmentStringsW();
  for (const wchar_t* e = env; e && *e; e += std::wcslen(e) + 1) {
    const std::wstring kv(e);
    bool replaced = false;
    for (const std::wstring& x : extra) replaced = replaced || ::_wcsicmp(name_of(x).c_str(), name_of(kv).c_str()) == 0;
    if (!replaced) block.append(kv).push_back(L'\0');
  }
  if (env) ::FreeEnvironmentStringsW(env);
  for (const std::wstring& x : extra) block.append(x).push_back(L'\0');
  block.push_back(L'\0');
  return block;
}

// An inheritable handle on a file opened for writing (created or truncated), or on NUL.
inline HANDLE output_file(const fs::path& p) {
  SECURITY_ATTRIBUTES sa{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
  return ::CreateFileW(p.empty() ? L"NUL" : p.c_str(), GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                       &sa, p.empty() ? OPEN_EXISTING : CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
}

// Starts prog with args, stdout and stderr to the given files (NUL when empty), in the job.
// Returns its process id; its handle is kept for wait_for and kill_hard.
inline pid_t start(const std::string& prog, const std::vector<std::string>& args, const fs::path& out,
                 const fs::path& err, const std::vector<std::string>& env_extra) {
  std::wstring cmd;
  append_quoted(cmd, widen(prog));
  for (const std::string& a : args) append_quoted(cmd, widen(a));
  std::wstring env = environment(env_extra);
  HANDLE o = output_file(out), e = output_file(err);
  SECURITY_ATTRIBUTES sa{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
  HANDLE in = ::CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0, nullptr);
  STARTUPINFOW si{};
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = in;
  si.hStdOutput = o;
  si.hStdError = e;
  PROCESS_INFORMATION pi{};
  std::cout.flush();
  std::cerr.flush();
  const BOOL ok = ::CreateProcessW(widen(prog).c_str(), &cmd[0], nullptr, nullptr, TRUE,
                                   CREATE_UNICODE_ENVIRONMENT | CREATE_SUSPENDED | CREATE_NO_WINDOW, &env[0],
                                   nullptr, &si, &pi);
  const DWORD error = ::GetLastError();
  for (HANDLE h : {o, e, in})
    if (h != INVALID_HANDLE_VALUE) ::CloseHandle(h);
  BOOST_REQUIRE_MESSAGE(ok, "CreateProcessW(" << prog << ") failed: error " << error);
  if (job()) ::AssignProcessToJobObject(job(), pi.hProcess);
  ::ResumeThread(pi.hThread);
  ::CloseHandle(pi.hThread);
  const pid_t pid = static_cast<pid_t>(pi.dwProcessId);
  std::lock_guard<std::mutex> lock(children_mutex());
  children()[pid] = pi.hProcess;
  return pid;
}

inline HANDLE handle_of(pid_t pid) {
  std::lock_guard<std::mutex> lock(children_mutex());
  auto it = children().find(pid);
  return it == children().end() ? nullptr : it->second;
}

}  // namespace win_detail

// Waits for a child started by spawn(); returns its exit code (its "wait status" here).
inline int wait_for(pid_t pid) {
  HANDLE h = win_detail::handle_of(pid);
  BOOST_REQUIRE_MESSAGE(h, "wait_for(" << pid << "): not a child of this test");
  ::WaitForSingleObject(h, INFINITE);
  DWORD code = 0;
  ::GetExitCodeProcess(h, &code);
  ::CloseHandle(h);
  std::lock_guard<std::mutex> lock(win_detail::children_mutex());
  win_detail::children().erase(pid);
  return static_cast<int>(code);
}

// `kill -9`: TerminateProcess, exit code kill_exit_code.
inline void kill_hard(pid_t pid) {
  HANDLE h = win_detail::handle_of(pid);
  BOOST_REQUIRE_MESSAGE(h, "kill_hard(" << pid << "): not a child of this test");
  ::TerminateProcess(h, kill_exit_code);
}

struct child_result {
  int status = -1;  // exit code
  std::string out;  // what the child wrote to stdout and stderr
  bool exited_with(int code) const { return tempfm_test::exited_with(status, code); }
};

// Under wine: runs the Unix program `argv[0]` (an absolute Unix path) with the Unix file names of
// the Windows paths in `paths` appended (wine_get_unix_file_name), as wine starts a Unix executable
// given to CreateProcessW, and waits for it. For what a Windows program cannot do there, such as
// making a Unix symlink (wine 8's CreateSymbolicLinkW creates nothing). false if it could not start.
inline bool run_unix_under_wine(std::vector<std::string> argv, const std::vector<fs::path>& paths) {
  using unix_name_fn = char*(CDECL*)(const wchar_t*);
  const auto unix_name = reinterpret_cast<unix_name_fn>(
      reinterpret_cast<void*>(::GetProcAddress(::GetModuleHandleW(L"kernel32.dll"), "wine_get_unix_file_name")));
  if (!unix_name || argv.empty()) return false;
  for (const fs::path& p : paths) {
    char* u = unix_name(p.c_str());
    if (!u) return false;
    argv.emplace_back(u);
    ::HeapFree(::GetProcessHeap(), 0, u);
  }
  std::wstring cmd;
  for (const std::string& a : argv) win_detail::append_quoted(cmd, win_detail::widen(a));
  const std::wstring exe = L"Z:" + win_detail::widen(argv[0]);
  STARTUPINFOW si{};
  si.cb = sizeof si;
  PROCESS_INFORMATION pi{};
  if (!::CreateProcessW(exe.c_str(), &cmd[0], nullptr, nullptr, FALSE, 0, nullptr, nullptr, &si, &pi)) return false;
  // wine 8 neither waits for a Unix program nor keeps its exit code: callers check its result.
  ::CloseHandle(pi.hThread);
  ::CloseHandle(pi.hProcess);
  return true;
}

// A symlink to a directory, made as hostile software would: under wine from the Unix side (wine
// lists it as a reparse point but opens it as its target), else create_directory_symlink.
inline void make_dir_symlink(const fs::path& target, const fs::path& link) {
  if (on_wine()) {
    BOOST_REQUIRE(run_unix_under_wine({"/bin/ln", "-s"}, {target, link}));
    // wine 8 does not wait for a Unix program: its result is awaited (a minute at most).
    for (int i = 0; i < 6000 && ::GetFileAttributesW(link.c_str()) == INVALID_FILE_ATTRIBUTES; ++i) ::Sleep(10);
  } else {
    fs::create_directory_symlink(target, link);
  }
}

// Removes such a link itself.
inline void remove_dir_symlink(const fs::path& link) {
  if (on_wine()) {
    BOOST_REQUIRE(run_unix_under_wine({"/bin/rm"}, {link}));
    for (int i = 0; i < 6000 && ::GetFileAttributesW(link.c_str()) != INVALID_FILE_ATTRIBUTES; ++i) ::Sleep(10);
  } else {
    fs::remove(link);
  }
}

// fork(2) does not exist on Windows: a case calling this carries skip_on_windows.
inline child_result run_forked(const std::function<int()>&) {
  BOOST_FAIL("fork(2) does not exist on Windows: a case using run_forked() must be skipped there");
  return {};
}

#else
// ---- POSIX: fork, exec, waitpid, kill.

constexpr bool on_windows = false;
inline bool on_wine() { return false; }

inline void make_dir_symlink(const fs::path& target, const fs::path& link) { fs::create_directory_symlink(target, link); }
inline void remove_dir_symlink(const fs::path& link) { fs::remove(link); }

// A wait status, as waitpid gives it.
inline bool exited_with(int status, int code) { return WIFEXITED(status) && WEXITSTATUS(status) == code; }
inline bool killed_hard(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL; }
inline bool exited_normally(int status) { return WIFEXITED(status); }

// `kill -9`.
inline void kill_hard(pid_t pid) { ::kill(pid, SIGKILL); }

inline int set_mode(const fs::path& p, unsigned mode) { return ::chmod(p.c_str(), static_cast<mode_t>(mode)); }

inline int current_pid() { return static_cast<int>(::getpid()); }

inline bool can_read(const fs::path& p) { return ::access(p.c_str(), R_OK) == 0; }

// A native handle the library gave is open (a descriptor).
inline bool valid_handle(int fd) { return fd >= 0; }

// write(2) through a library object's native handle (a descriptor). Returns what write returns.
inline long long write_native(int fd, const char* data, std::size_t n) { return ::write(fd, data, n); }

inline void set_env(const std::string& name, const std::string& value) { ::setenv(name.c_str(), value.c_str(), 1); }

inline void nap() { ::usleep(5000); }

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

#endif

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
    const bool named = p.filename() == name || (on_windows && p.filename() == name + ".exe");
    if (named && fs::exists(p)) return fs::absolute(p).string();
  }
  BOOST_FAIL("the path of " << name << " must be given after --");
  return {};
}
inline std::string child_program() { return program("tempfm_test_child"); }

#ifdef _WIN32
struct exec_result {
  int status = -1;  // exit code
  std::string out, err;
  bool exited_with(int code) const { return tempfm_test::exited_with(status, code); }
};

// A Windows program's text-mode stdout and stderr write "\n" as "\r\n": back to "\n".
inline std::string text_mode_undone(std::string s) {
  std::string::size_type w = 0;
  for (std::string::size_type i = 0; i < s.size(); ++i)
    if (!(s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n')) s[w++] = s[i];
  s.resize(w);
  return s;
}

// Runs prog with args (CreateProcessW), with extra environment variables; captures stdout and
// stderr separately, "\r\n" turned back into "\n".
inline exec_result run_program(const std::string& prog, const std::vector<std::string>& args,
                               const std::vector<std::string>& env_extra = {}) {
  scratch io;
  const fs::path out_file = io.dir / "stdout", err_file = io.dir / "stderr";
  const pid_t pid = win_detail::start(prog, args, out_file, err_file, env_extra);
  exec_result r;
  r.status = wait_for(pid);
  r.out = text_mode_undone(read_file(out_file));
  r.err = text_mode_undone(read_file(err_file));
  return r;
}

// Starts a helper in the background (stdout/stderr to NUL); returns its process id. Acting as
// another user needs a second account: a case asking for it must be skipped on Windows.
inline pid_t spawn(const std::string& prog, const std::vector<std::string>& args, bool as_nobody = false) {
  if (as_nobody) BOOST_FAIL("spawn(as_nobody) needs another user: the case must be skipped on Windows");
  return win_detail::start(prog, args, {}, {}, {});
}

inline bool drop_to_nobody() { return false; }
inline void give_to_nobody(const fs::path&) {
  BOOST_FAIL("give_to_nobody: ownership by another user is not tested on Windows: the case must be skipped there");
}
inline child_result run_unprivileged(const fs::path&, const std::function<int()>&) {
  BOOST_FAIL("run_unprivileged needs fork(2) and another user: the case must be skipped on Windows");
  return {};
}
inline bool is_root() { return false; }
inline bool can_unshare() { return false; }
inline void nap() { std::this_thread::sleep_for(std::chrono::milliseconds(5)); }
#endif

#ifndef _WIN32
// The POSIX semaphore of a root as version 0.1 named it (and migrate_v1 removes it):
// /dev/shm/sem.tempfm-<uid>-<FNV-1a 64 of the canonical path> (doc/design.md).
inline fs::path legacy_semaphore(const fs::path& canonical_root) {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : canonical_root.native()) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  char buf[64];
  std::snprintf(buf, sizeof buf, "sem.tempfm-%u-%016llx", static_cast<unsigned>(::geteuid()),
                static_cast<unsigned long long>(h));
  return fs::path("/dev/shm") / buf;
}

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

// Root, and `unshare` can make PID and mount namespaces here (not in every container).
inline bool can_unshare() {
  if (!is_root()) return false;
  return std::system("unshare --pid --fork --mount-proc true >/dev/null 2>&1") == 0;
}

#endif

inline exec_result run_child_program(const std::vector<std::string>& args,
                                     const std::vector<std::string>& env_extra = {}) {
  return run_program(child_program(), args, env_extra);
}

// Waits until file exists (a helper's readiness), at most `seconds`.
inline bool wait_for_file(const fs::path& file, double seconds) {
  for (int i = 0; i < seconds * 200; ++i) {
    if (fs::exists(file)) return true;
    nap();
  }
  return false;
}


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


// Precondition of a case that cannot run on Windows: skipped there, saying why, e.g.
//   BOOST_AUTO_TEST_CASE(name, *boost::unit_test::precondition(skip_on_windows{"uses fork(2)"}))
// The reason goes to Boost.Test's log and to stdout as "skipped on Windows: MODULE/CASE: WHY", the
// line build.sh counts.
struct skip_on_windows {
  const char* why;
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id id) const {
    boost::test_tools::assertion_result r(!on_windows);
    if (on_windows) {
      r.message() << "skipped on Windows: " << why;
      std::cout << "skipped on Windows: " << boost::unit_test::framework::master_test_suite().p_name.get() << '/'
                << boost::unit_test::framework::get(id, boost::unit_test::TUT_ANY).full_name() << ": " << why << std::endl;
    }
    return r;
  }
};

// Precondition of a case about what only Windows has (console events): skipped elsewhere, saying why.
struct windows_only {
  const char* why;
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id id) const {
    boost::test_tools::assertion_result r(on_windows);
    if (!on_windows) {
      r.message() << "Windows only: " << why;
      std::cout << "skipped (Windows only): " << boost::unit_test::framework::master_test_suite().p_name.get() << '/'
                << boost::unit_test::framework::get(id, boost::unit_test::TUT_ANY).full_name() << ": " << why << std::endl;
    }
    return r;
  }
};

// Precondition of a case that holds on Windows but not under wine 8, which CI runs the Windows
// tests in: skipped there only, saying why, counted like skip_on_windows.
struct skip_on_wine {
  const char* why;
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id id) const {
#ifdef _WIN32
    if (on_wine()) return skip_on_windows{why}(id);
#endif
    (void)id;
    return true;
  }
};

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
