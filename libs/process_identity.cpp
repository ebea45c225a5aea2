// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Who this process is: pid, PID namespace, boot id and a random instance number. These only name
// an owner; whether an owner is alive is decided by its lease (registry.cpp), never from /proc.
#include <boost_tempfm/registry.hpp>

#include "detail/process_identity.hpp"

#include "platform/platform.hpp"

#include <boost/system/system_error.hpp>

#include <atomic>
#include <mutex>

namespace boost_tempfm {
namespace detail {
namespace {

std::array<std::uint8_t, 16> read_boot_id() {
  std::array<std::uint8_t, 16> id{};
  platform::boot_id(id.data());
  return id;
}

std::uint64_t random_instance() {
  std::uint64_t v = 0;  // from the kernel's generator, as names are
  if (const int err = platform::random_bytes(&v, sizeof v))
    throw boost::system::system_error(err, platform::errno_category(), "boost_tempfm: cannot draw the process's random instance");
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

std::uint64_t pid_namespace() noexcept { return platform::pid_namespace(); }

void identity_after_fork() noexcept { stale.store(true, std::memory_order_release); }

std::uint32_t current_pid() noexcept {
  // Never throws (it is used in noexcept removals): a stale identity only needs getpid().
  if (stale.load(std::memory_order_acquire)) return platform::process_id();
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
      (void)detail::platform::at_fork([] { detail::mu.lock(); }, [] { detail::mu.unlock(); },
                                      [] {
                                        detail::mu.unlock();
                                        detail::identity_after_fork();
                                      });
    });
    std::lock_guard<std::mutex> g(detail::mu);
    if (detail::stale.load(std::memory_order_relaxed)) {
      owner_id o;
      o.pid = detail::platform::process_id();
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
