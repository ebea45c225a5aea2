// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// install_signal_cleanup(): removal of this process's paths from a signal handler. Everything the
// handler does is async-signal-safe: atomic loads and exchanges on a list whose nodes are never
// freed, getpid, unlink/unlinkat/openat/getdents64/fchmod/statx/fstat/close, sigaction, sigprocmask,
// raise.
#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/signal.hpp>

#include "detail/errors.hpp"
#include "detail/manager_state.hpp"
#include "detail/safe_remove.hpp"
#include "detail/signal_list.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <system_error>

namespace boost_tempfm {
namespace detail {

struct signal_node {
  std::atomic<char*> path{nullptr};
  std::atomic<signal_node*> next{nullptr};
  std::atomic<std::uint32_t> owner{0};
  signal_node* free_next = nullptr;  // while recycled, under free_mutex
};

namespace {

std::atomic<bool> enabled{false};
std::atomic<signal_node*> head{nullptr};
std::mutex& free_mutex() {
  static std::mutex* m = new std::mutex;
  return *m;
}
signal_node* free_nodes = nullptr;

constexpr int handled[] = {SIGINT, SIGTERM, SIGHUP};
struct sigaction previous[65];
bool installed[65];

struct linux_dirent64 {
  ino64_t d_ino;
  off64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[1];
};

// Removes the directory `name` in parent_fd and what it holds, never following a symlink.
// Bounded depth and a fixed buffer on the stack: no allocation.
void remove_dir_in_handler(int parent_fd, const char* name, int depth) {
  if (depth > 16) return;
  int fd = ::openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOTDIR || errno == ELOOP) ::unlinkat(parent_fd, name, 0);  // swapped: a link now
    return;
  }
  if (is_mount_point(parent_fd, fd)) {  // another mount: never emptied
    ::close(fd);
    return;
  }
  alignas(8) char buf[2048];
  for (int pass = 0; pass < 4; ++pass) {
    bool removed_any = false, chmodded = false;
    ::lseek(fd, 0, SEEK_SET);
    for (;;) {
      const long n = ::syscall(SYS_getdents64, fd, buf, sizeof buf);
      if (n <= 0) break;
      for (long off = 0; off < n;) {
        const linux_dirent64* d = reinterpret_cast<const linux_dirent64*>(buf + off);
        off += d->d_reclen;
        const char* c = d->d_name;
        if (c[0] == '.' && (c[1] == 0 || (c[1] == '.' && c[2] == 0))) continue;
        if (d->d_type == DT_DIR) {
          remove_dir_in_handler(fd, c, depth + 1);
          removed_any = true;
          continue;
        }
        int r = ::unlinkat(fd, c, 0);
        if (r != 0 && (errno == EACCES || errno == EPERM) && !chmodded) {
          chmodded = true;
          ::fchmod(fd, S_IRWXU);
          r = ::unlinkat(fd, c, 0);
        }
        if (r != 0 && errno == EISDIR) remove_dir_in_handler(fd, c, depth + 1);
        removed_any = removed_any || r == 0;
      }
    }
    if (!removed_any) break;
  }
  ::close(fd);
  if (::unlinkat(parent_fd, name, AT_REMOVEDIR) != 0 && (errno == EACCES || errno == EPERM)) {
    ::fchmod(parent_fd, S_IRWXU);
    ::unlinkat(parent_fd, name, AT_REMOVEDIR);
  }
}

void remove_in_handler(const char* p) {
  if (::unlink(p) == 0 || errno == ENOENT) return;
  if (errno == EISDIR || errno == EPERM) remove_dir_in_handler(AT_FDCWD, p, 0);
}

void on_signal(int sig, siginfo_t* info, void* ctx) {
  const int saved = errno;
  const std::uint32_t self = static_cast<std::uint32_t>(::getpid());
  for (signal_node* n = head.load(std::memory_order_acquire); n; n = n->next.load(std::memory_order_acquire)) {
    if (n->owner.load(std::memory_order_acquire) != self) continue;  // inherited through fork
    if (char* p = n->path.exchange(nullptr, std::memory_order_acq_rel)) remove_in_handler(p);  // never freed here
  }
  const struct sigaction& prev = previous[sig];
  if ((prev.sa_flags & SA_SIGINFO) && prev.sa_sigaction) {
    prev.sa_sigaction(sig, info, ctx);
  } else if (prev.sa_handler == SIG_DFL) {
    // End the process by this signal, as it would have without us.
    struct sigaction dfl;
    std::memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    ::sigaction(sig, &dfl, nullptr);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    ::raise(sig);
    ::sigprocmask(SIG_UNBLOCK, &s, nullptr);  // delivered now: the default action ends the process
  } else if (prev.sa_handler != SIG_IGN) {
    prev.sa_handler(sig);
  }
  errno = saved;
}

}  // namespace

bool signal_cleanup_enabled() noexcept { return enabled.load(std::memory_order_acquire); }

signal_node* signal_attach(const std::string& path) {
  if (!enabled.load(std::memory_order_acquire)) return nullptr;
  char* copy = new char[path.size() + 1];
  std::memcpy(copy, path.c_str(), path.size() + 1);
  signal_node* n = nullptr;
  {
    std::lock_guard<std::mutex> g(free_mutex());
    if (free_nodes) {
      n = free_nodes;
      free_nodes = n->free_next;
    }
  }
  if (!n) {
    try {
      n = new signal_node;
    } catch (...) {
      delete[] copy;
      throw;
    }
    signal_node* h = head.load(std::memory_order_relaxed);
    do {
      n->next.store(h, std::memory_order_relaxed);
    } while (!head.compare_exchange_weak(h, n, std::memory_order_release, std::memory_order_relaxed));
  }
  n->owner.store(current_process().pid, std::memory_order_release);
  n->path.store(copy, std::memory_order_release);
  return n;
}

void signal_detach(signal_node* n) noexcept {
  if (!n) return;
  delete[] n->path.exchange(nullptr, std::memory_order_acq_rel);
  std::lock_guard<std::mutex> g(free_mutex());
  n->free_next = free_nodes;
  free_nodes = n;
}

}  // namespace detail

void install_signal_cleanup() {
  static std::mutex mu;
  std::lock_guard<std::mutex> g(mu);
  if (!detail::enabled.exchange(true)) detail::attach_all_signal_nodes();
  for (int sig : detail::handled) {
    if (detail::installed[sig]) continue;
    struct sigaction old;
    if (::sigaction(sig, nullptr, &old) != 0)
      throw std::system_error(errno, std::generic_category(), "boost_tempfm: sigaction");
    if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_IGN) continue;  // the application ignores it
    detail::previous[sig] = old;
    struct sigaction act;
    std::memset(&act, 0, sizeof act);
    act.sa_sigaction = detail::on_signal;
    act.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&act.sa_mask);
    for (int other : detail::handled) sigaddset(&act.sa_mask, other);
    if (::sigaction(sig, &act, nullptr) != 0)
      throw std::system_error(errno, std::generic_category(), "boost_tempfm: sigaction");
    detail::installed[sig] = true;
  }
}

void install_signal_cleanup(boost::system::error_code& ec) noexcept {
  detail::with_error_code(ec, [](boost::system::error_code*) { install_signal_cleanup(); });
}

}  // namespace boost_tempfm
