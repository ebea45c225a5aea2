// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Who this process is: pid, PID namespace, boot id and a random instance number. These only name
// an owner; whether an owner is alive is decided by its lease (registry.cpp), never from /proc.
#include <boost_tempfm/registry.hpp>

#include "detail/process_identity.hpp"

#include <boost/filesystem/operations.hpp>

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace boost_tempfm {
namespace detail {
namespace {

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::array<std::uint8_t, 16> read_boot_id() {
  std::array<std::uint8_t, 16> id{};
  char buf[64] = {};
  const int fd = ::open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return id;
  ssize_t n;
  do {
    n = ::read(fd, buf, sizeof buf - 1);
  } while (n < 0 && errno == EINTR);
  ::close(fd);
  std::size_t k = 0;
  for (const char* p = buf; n > 0 && *p && k < 32; ++p) {
    const int v = hexval(*p);
    if (v < 0) continue;  // the dashes
    id[k / 2] = static_cast<std::uint8_t>(id[k / 2] | (v << ((k % 2) ? 0 : 4)));
    ++k;
  }
  return id;
}

std::uint64_t random_instance() {
  // unique_path draws from getrandom(); 16 hex digits are 64 bits.
  const std::string hex = boost::filesystem::unique_path("%%%%%%%%%%%%%%%%").native();
  std::uint64_t v = 0;
  for (char c : hex) v = v << 4 | static_cast<std::uint64_t>(hexval(c));
  return v | 1;  // never 0: 0 means "no owner"
}

std::atomic<bool> stale{true};
std::mutex mu;
owner_id cached;

}  // namespace

const std::array<std::uint8_t, 16>& boot_id() {
  static const std::array<std::uint8_t, 16> id = read_boot_id();
  return id;
}

std::uint64_t pid_namespace() noexcept {
  struct stat st;
  return ::stat("/proc/self/ns/pid", &st) == 0 ? static_cast<std::uint64_t>(st.st_ino) : 0;
}

void identity_after_fork() noexcept { stale.store(true, std::memory_order_release); }

std::uint32_t current_pid() noexcept {
  // Never throws (it is used in noexcept removals): a stale identity only needs getpid().
  if (stale.load(std::memory_order_acquire)) return static_cast<std::uint32_t>(::getpid());
  return cached.pid;
}

std::uint64_t current_instance() {
  if (stale.load(std::memory_order_acquire)) return current_process().instance;
  return cached.instance;
}

}  // namespace detail

std::uint64_t owner_id::current_pid_namespace() noexcept { return current_process().pid_namespace; }

owner_id current_process() {
  if (detail::stale.load(std::memory_order_acquire)) {
    // Whoever asks first (a manager, sweep(), a tool) makes sure a forked child asks again.
    // mu is held across fork() too, so that a child never inherits it locked by another thread.
    static std::once_flag hook;
    std::call_once(hook, [] {
      ::pthread_atfork([] { detail::mu.lock(); }, [] { detail::mu.unlock(); },
                       [] {
                         detail::mu.unlock();
                         detail::identity_after_fork();
                       });
    });
    std::lock_guard<std::mutex> g(detail::mu);
    if (detail::stale.load(std::memory_order_relaxed)) {
      owner_id o;
      o.pid = static_cast<std::uint32_t>(::getpid());
      o.pid_namespace = detail::pid_namespace();
      o.instance = detail::random_instance();
      o.boot_id = detail::boot_id();
      detail::cached = o;
      detail::stale.store(false, std::memory_order_release);
    }
  }
  return detail::cached;
}

}  // namespace boost_tempfm
