// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
//
// Signal cleanup (detail/signal_list.hpp, boost_tempfm/signal.hpp) on POSIX systems: sigaction,
// and removal from the handler with async-signal-safe calls (libs/sources.txt: "linux posix").
// install_signal_cleanup(): removal of this process's paths from a signal handler. Everything the
// handler does is async-signal-safe: atomic loads, exchanges and compare-exchanges on lists whose
// nodes are never freed and on the mapped registry, getpid, clock_gettime, nanosleep,
// unlink/unlinkat/openat/fchmod/fstat/close, the platform layer's directory listing and mount check
// (Linux: getdents64, statx), sigaction, sigprocmask, raise.
//
// Threads: the handler runs in one thread while others may be creating. It first says so
// (`terminating`), then waits until no other thread is inside a creation window (creation_window:
// from before a new path's registry entry is written until the path is tracked; 2 s at most, for a
// creation stuck behind a stopped holder of the registry lock), then removes every published path
// and frees its registry entry. A path is published before it is created, so a creation that was
// in flight is seen; one that begins later is refused; one that sees `terminating` after creating
// removes what it made itself. Each thread's window flag is a record in a lock-free list, so the
// handler can tell its own thread's (never waited for: it is interrupted) from the others'.
#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/signal.hpp>

#include "../detail/errors.hpp"
#include "../detail/manager_state.hpp"
#include "../detail/registry_format.hpp"
#include "../detail/safe_remove.hpp"
#include "../detail/signal_list.hpp"
#include "platform.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <system_error>
#include <time.h>

namespace boost_tempfm {
namespace detail {

struct signal_node {
  std::atomic<char*> path{nullptr};
  std::atomic<signal_node*> next{nullptr};
  std::atomic<std::uint32_t> owner{0};
  std::atomic<unsigned char*> reg_base{nullptr};  // the registry mapping (never moves while mapped)
  std::atomic<std::uint64_t> reg{0};              // registry_mark::slot_seen
  signal_node* free_next = nullptr;  // while recycled, under free_mutex
};

// One per thread that ever created through a manager; never freed, reused after the thread ends.
struct thread_record {
  std::atomic<int> busy{0};  // creation windows open in that thread
  std::atomic<bool> in_use{false};
  std::atomic<thread_record*> next{nullptr};
};

namespace {

std::atomic<bool> enabled{false};
std::atomic<bool> terminating{false};
std::atomic<thread_record*> records{nullptr};
// This thread's record: a plain pointer, read by the handler (initial-exec TLS: no allocation).
thread_local thread_record* my_record __attribute__((tls_model("initial-exec"))) = nullptr;
// Gives the record back when the thread ends.
struct record_owner {
  void touch() noexcept {}
  ~record_owner() {
    if (!my_record) return;
    my_record->busy.store(0, std::memory_order_release);
    my_record->in_use.store(false, std::memory_order_release);
    my_record = nullptr;
  }
};
thread_local record_owner record_guard;

thread_record* this_threads_record() noexcept {
  if (my_record) return my_record;
  record_guard.touch();  // constructed now, so that it runs at thread exit
  for (thread_record* r = records.load(std::memory_order_acquire); r; r = r->next.load(std::memory_order_acquire)) {
    bool free = false;
    if (r->in_use.compare_exchange_strong(free, true)) return my_record = r;
  }
  thread_record* r = new (std::nothrow) thread_record;
  if (!r) return nullptr;
  r->in_use.store(true, std::memory_order_relaxed);
  thread_record* h = records.load(std::memory_order_relaxed);
  do {
    r->next.store(h, std::memory_order_relaxed);
  } while (!records.compare_exchange_weak(h, r, std::memory_order_release, std::memory_order_relaxed));
  return my_record = r;
}

// In the handler: until no other thread is inside a creation window, or 2 s passed.
void wait_for_creations() noexcept {
  struct timespec start;
  ::clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    bool busy = false;
    for (thread_record* r = records.load(std::memory_order_acquire); r && !busy; r = r->next.load(std::memory_order_acquire))
      busy = r != my_record && r->busy.load(std::memory_order_seq_cst) > 0;
    if (!busy) return;
    struct timespec now;
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - start.tv_sec >= 2) return;
    struct timespec pause = {0, 100000};
    ::nanosleep(&pause, nullptr);
  }
}

// In the handler: frees the registry entry of a path it removed, if it is still the one published.
void free_registry_entry(signal_node* n) noexcept {
  const std::uint64_t m = n->reg.exchange(0, std::memory_order_acq_rel);
  unsigned char* base = n->reg_base.load(std::memory_order_acquire);
  if (m == 0 || base == nullptr) return;
  const std::uint32_t slot = static_cast<std::uint32_t>(m >> 32);
  std::uint32_t seen = static_cast<std::uint32_t>(m);
  if ((seen & 3u) != format::slot_live) return;
  auto* state = reinterpret_cast<std::atomic<std::uint32_t>*>(base + std::size_t(slot) * format::slot_bytes);
  state->compare_exchange_strong(seen, format::next_state(seen, format::slot_free), std::memory_order_acq_rel);
}
std::atomic<signal_node*> head{nullptr};
std::mutex& free_mutex() {
  static std::mutex* m = new std::mutex;
  return *m;
}
signal_node* free_nodes = nullptr;

constexpr int handled[] = {SIGINT, SIGTERM, SIGHUP};
struct sigaction previous[65];
bool installed[65];

// Removes the directory `name` in parent_fd and what it holds, never following a symlink.
// Bounded depth and a fixed buffer on the stack: no allocation. True if it is gone. Where the
// platform cannot list a directory in a signal handler (platform::signal_safe_lister), only an
// empty one is removed.
bool remove_dir_in_handler(int parent_fd, const char* name, int depth) {
  if (depth > 16) return false;
  int fd = ::openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return true;
    if (errno == ENOTDIR || errno == ELOOP) return ::unlinkat(parent_fd, name, 0) == 0;  // swapped: a link now
    return false;
  }
  if (platform::is_mount_point(parent_fd, fd)) {  // another mount: never emptied
    ::close(fd);
    return false;
  }
  alignas(8) char buf[2048];
  for (int pass = 0; pass < 4; ++pass) {
    bool removed_any = false, chmodded = false;
    platform::signal_safe_lister list(fd, buf, sizeof buf);  // from the start
    const char* c;
    bool is_dir;
    while (list.next(c, is_dir)) {
      if (c[0] == '.' && (c[1] == 0 || (c[1] == '.' && c[2] == 0))) continue;
      if (is_dir) {
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
    if (!removed_any) break;
  }
  ::close(fd);
  if (::unlinkat(parent_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT) return true;
  if (errno != EACCES && errno != EPERM) return false;
  ::fchmod(parent_fd, S_IRWXU);
  return ::unlinkat(parent_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT;
}

// True if p is gone.
bool remove_in_handler(const char* p) {
  if (::unlink(p) == 0 || errno == ENOENT) return true;
  if (errno == EISDIR || errno == EPERM) return remove_dir_in_handler(AT_FDCWD, p, 0);
  return false;
}

void on_signal(int sig, siginfo_t* info, void* ctx) {
  const int saved = errno;
  const std::uint32_t self = static_cast<std::uint32_t>(::getpid());
  terminating.store(true, std::memory_order_seq_cst);  // creations from now on are refused
  wait_for_creations();                               // and those in flight are published
  for (signal_node* n = head.load(std::memory_order_acquire); n; n = n->next.load(std::memory_order_acquire)) {
    if (n->owner.load(std::memory_order_acquire) != self) continue;  // inherited through fork
    // The path is never freed here. A node with a mark and no path: its path was removed and its
    // registry entry is being removed (signal_forget_path); free_registry_entry frees it if it is
    // still the one marked. A removal that fails stays in the registry: swept later.
    char* p = n->path.exchange(nullptr, std::memory_order_acq_rel);
    if (!p || remove_in_handler(p)) free_registry_entry(n);
  }
  const struct sigaction& prev = previous[sig];
  if ((prev.sa_flags & SA_SIGINFO) && prev.sa_sigaction) {
    prev.sa_sigaction(sig, info, ctx);
    terminating.store(false, std::memory_order_seq_cst);  // it returned: the process goes on
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
    terminating.store(false, std::memory_order_seq_cst);
  }
  errno = saved;
}

}  // namespace

bool signal_cleanup_enabled() noexcept { return enabled.load(std::memory_order_acquire); }

bool creation_window::enter() noexcept {
  if (open_) return true;
  rec_ = this_threads_record();
  // Dekker with the handler: it stores `terminating` then reads every `busy`; this thread raises
  // `busy` then reads `terminating`. One of the two sees the other.
  if (rec_) rec_->busy.fetch_add(1, std::memory_order_seq_cst);
  open_ = true;
  if (!terminating.load(std::memory_order_seq_cst)) return true;
  leave();
  return false;
}

void creation_window::leave() noexcept {
  if (!open_) return;
  open_ = false;
  if (rec_) rec_->busy.fetch_sub(1, std::memory_order_seq_cst);
}

bool signal_cleanup_running() noexcept { return terminating.load(std::memory_order_seq_cst); }

void signal_after_fork_in_child() noexcept {
  for (thread_record* r = records.load(std::memory_order_acquire); r; r = r->next.load(std::memory_order_acquire)) {
    if (r == my_record) continue;
    r->busy.store(0, std::memory_order_relaxed);
    r->in_use.store(false, std::memory_order_relaxed);
  }
}

signal_node* signal_attach(const std::string& path, const registry_mark& mark) {
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
  // The path before the mark: a node the handler finds with a mark and no path is one whose path
  // was forgotten (signal_forget_path), never one half attached.
  n->path.store(copy, std::memory_order_release);
  n->reg_base.store(mark.base, std::memory_order_release);
  n->reg.store(mark.slot_seen, std::memory_order_release);
  return n;
}

void signal_mark(signal_node* n, const registry_mark& mark) noexcept {
  if (!n) return;
  n->reg.store(0, std::memory_order_release);
  n->reg_base.store(mark.base, std::memory_order_release);
  n->reg.store(mark.slot_seen, std::memory_order_release);
}

void signal_forget_path(signal_node* n) noexcept {
  if (n) delete[] n->path.exchange(nullptr, std::memory_order_acq_rel);
}

void signal_detach(signal_node* n) noexcept {
  if (!n) return;
  n->reg.store(0, std::memory_order_release);
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
