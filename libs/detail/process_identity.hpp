// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LIBS_PROCESS_IDENTITY_HPP
#define BOOST_TEMPFM_LIBS_PROCESS_IDENTITY_HPP

#include <boost_tempfm/registry.hpp>

namespace boost_tempfm {
namespace detail {

// The start time of pid (field 22 of /proc/PID/stat), and whether it is a zombie (field 3);
// false if there is no such process (or no /proc).
bool read_start_time(std::uint32_t pid, std::uint64_t& start_time, bool* zombie);

// This boot's id, read once.
const std::array<std::uint8_t, 16>& boot_id();

// Called in the child after fork(): the cached identity of this process is no longer ours.
void identity_after_fork() noexcept;

}  // namespace detail
}  // namespace boost_tempfm

#endif
