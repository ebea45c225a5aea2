// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
//
// `tempfm run` on POSIX systems: fork, execvp, waitpid (run_windows.cpp: CreateProcessW).
#include "cli.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace tempfm_cli {

namespace {

volatile sig_atomic_t forwarded_child = 0;
void forward_signal(int sig) {
  if (forwarded_child > 0) ::kill(forwarded_child, sig);
}

}  // namespace

int run_child(std::vector<std::string>& cmd, const boost::filesystem::path& dir, int& exec_errno) {
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  std::vector<char*> argv;
  for (std::string& a : cmd) argv.push_back(&a[0]);
  argv.push_back(nullptr);
  const std::string tmpdir = dir.string();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::close(err_pipe[0]);
    ::setenv("TMPDIR", tmpdir.c_str(), 1);
    ::execvp(argv[0], argv.data());
    const int e = errno;
    ssize_t w = ::write(err_pipe[1], &e, sizeof e);
    (void)w;
    ::_exit(127);
  }
  ::close(err_pipe[1]);
  // Like system(): the terminal's SIGINT/SIGQUIT reach the child by themselves; SIGTERM and SIGHUP
  // sent to us are passed on, so the directory is still removed after the child ends.
  forwarded_child = pid;
  struct sigaction ign, fwd, old_int, old_quit, old_term, old_hup;
  std::memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  std::memset(&fwd, 0, sizeof fwd);
  fwd.sa_handler = forward_signal;
  ::sigaction(SIGINT, &ign, &old_int);
  ::sigaction(SIGQUIT, &ign, &old_quit);
  ::sigaction(SIGTERM, &fwd, &old_term);
  ::sigaction(SIGHUP, &fwd, &old_hup);
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(err_pipe[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  ::close(err_pipe[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  forwarded_child = 0;
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGQUIT, &old_quit, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  ::sigaction(SIGHUP, &old_hup, nullptr);
  if (n == sizeof child_errno) {
    exec_errno = child_errno;
    return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 125;
}

}  // namespace tempfm_cli
