// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LIBS_PROCESS_IDENTITY_HPP
#define BOOST_TEMPFM_LIBS_PROCESS_IDENTITY_HPP

#include <boost_tempfm/registry.hpp>

namespace boost_tempfm {
namespace detail {

// This boot's id, read once.
const std::array<std::uint8_t, 16>& boot_id();

// The inode of this process's PID namespace (platform::pid_namespace), 0 where unknown.
std::uint64_t pid_namespace() noexcept;

// current_process().pid and .instance without copying the whole identity (hot paths).
std::uint32_t current_pid() noexcept;
std::uint64_t current_instance();

// Called in the child after fork(): the cached identity of this process is no longer ours.
void identity_after_fork() noexcept;

}  // namespace detail
}  // namespace boost_tempfm

#endif
