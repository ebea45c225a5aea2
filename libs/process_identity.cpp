// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include <boost_tempfm/registry.hpp>

#include "detail/process_identity.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace boost_tempfm {
namespace detail {
namespace {

// Reads a small /proc file into buf (NUL-terminated). Returns the length or -1.
ssize_t read_small(const char* path, char* buf, std::size_t size) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n;
  do {
    n = ::read(fd, buf, size - 1);
  } while (n < 0 && errno == EINTR);
  ::close(fd);
  if (n < 0) return -1;
  buf[n] = 0;
  return n;
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::array<std::uint8_t, 16> read_boot_id() {
  std::array<std::uint8_t, 16> id{};
  char buf[64];
  if (read_small("/proc/sys/kernel/random/boot_id", buf, sizeof buf) < 32) return id;
  std::size_t k = 0;
  for (const char* p = buf; *p && k < 32; ++p) {
    const int v = hexval(*p);
    if (v < 0) continue;  // the dashes
    id[k / 2] = static_cast<std::uint8_t>(id[k / 2] | (v << ((k % 2) ? 0 : 4)));
    ++k;
  }
  return id;
}

std::atomic<bool> stale{true};
std::mutex mu;
owner_id cached;

}  // namespace

bool read_start_time(std::uint32_t pid, std::uint64_t& start_time, bool* zombie) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%u/stat", pid);
  char buf[1024];
  if (read_small(path, buf, sizeof buf) <= 0) return false;
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const char* p = std::strrchr(buf, ')');
  if (!p) return false;
  ++p;
  while (*p == ' ') ++p;
  // Field 3, the state: a zombie (Z) or dead (X) process has ended; only its parent has not
  // reaped it yet, and it must not pass for a live owner or lock holder.
  if (zombie) *zombie = *p == 'Z' || *p == 'X';
  // starttime is field 22.
  for (int field = 3; field < 22; ++field) {
    while (*p == ' ') ++p;
    while (*p && *p != ' ') ++p;
    if (!*p) return false;
  }
  while (*p == ' ') ++p;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(p, &end, 10);
  if (end == p || errno != 0) return false;
  start_time = v;
  return true;
}

const std::array<std::uint8_t, 16>& boot_id() {
  static const std::array<std::uint8_t, 16> id = read_boot_id();
  return id;
}

void identity_after_fork() noexcept { stale.store(true, std::memory_order_release); }

}  // namespace detail

owner_id current_process() {
  if (detail::stale.load(std::memory_order_acquire)) {
    // Whoever asks first (a manager, sweep(), a tool) makes sure a forked child asks again.
    static std::once_flag hook;
    std::call_once(hook, [] { ::pthread_atfork(nullptr, nullptr, detail::identity_after_fork); });
    std::lock_guard<std::mutex> g(detail::mu);
    if (detail::stale.load(std::memory_order_relaxed)) {
      owner_id o;
      o.pid = static_cast<std::uint32_t>(::getpid());
      // Without /proc the start time stays 0: is_alive() then falls back to the pid alone.
      if (!detail::read_start_time(o.pid, o.start_time, nullptr)) o.start_time = 0;
      o.boot_id = detail::boot_id();
      detail::cached = o;
      detail::stale.store(false, std::memory_order_release);
    }
  }
  return detail::cached;
}

bool is_alive(const owner_id& o) {
  if (o.pid == 0 || o.boot_id != detail::boot_id()) return false;
  std::uint64_t st = 0;
  bool zombie = false;
  if (detail::read_start_time(o.pid, st, &zombie)) return !zombie && (o.start_time == 0 || st == o.start_time);
  // No stat for that pid. With /proc mounted, that means no such process; without /proc (or
  // out of descriptors), only the pid can be checked.
  std::uint64_t self_st = 0;
  if (detail::read_start_time(static_cast<std::uint32_t>(::getpid()), self_st, nullptr)) return false;
  return ::kill(static_cast<pid_t>(o.pid), 0) == 0 || errno == EPERM;
}

}  // namespace boost_tempfm
