// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LIBS_BYTE_LOCK_HPP
#define BOOST_TEMPFM_LIBS_BYTE_LOCK_HPP

// Kernel-held locks on single bytes of a file: the registry lock and the owners' leases.
//
// POSIX record locks (fcntl F_SETLK/F_SETLKW/F_GETLK; LockFileEx on Windows): the kernel drops a
// process's locks when it dies or execs (the descriptors are O_CLOEXEC), keeps them while it is
// stopped, and any process that opens the file can test them, in any PID namespace. A forked child
// does not inherit them. They belong to the process, not the thread: callers exclude their own
// threads themselves, and a process must open the file once only (closing any descriptor of the
// file drops every lock the process holds on it: registry.cpp keeps one per root).
//
// Every function returns 0 or an errno value, and retries EINTR.

#include "../platform/platform.hpp"

#include <cstdint>

namespace boost_tempfm {
namespace detail {
namespace byte_lock {

using platform::handle;

// Waits until the byte at `offset` is ours.
int lock(handle fd, std::uint64_t offset) noexcept;
// Takes the byte if no other process holds it; `got` says whether it did.
int try_lock(handle fd, std::uint64_t offset, bool& got) noexcept;
int unlock(handle fd, std::uint64_t offset, std::uint64_t length = 1) noexcept;
// Whether another process holds the byte (a lock of this process never counts); `holder` receives
// its pid as this process's PID namespace sees it, 0 if it cannot see it (Windows: always 0).
int held_by_other(handle fd, std::uint64_t offset, bool& held, std::uint32_t* holder = nullptr) noexcept;

}  // namespace byte_lock
}  // namespace detail
}  // namespace boost_tempfm

#endif
