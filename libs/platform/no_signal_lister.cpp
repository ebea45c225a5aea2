// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
//
// signal_safe_lister (platform.hpp) where there is no async-signal-safe way to list a directory:
// the portable POSIX backend (readdir allocates) and Windows (the console handler runs on a
// thread of its own and needs none). libs/sources.txt: "posix windows".
#include "platform.hpp"

namespace boost_tempfm {
namespace detail {
namespace platform {

signal_safe_lister::signal_safe_lister(handle dir, char* buf, std::size_t size) noexcept
    : dir_(dir), buf_(buf), size_(size) {}

bool signal_safe_lister::supported() noexcept { return false; }

bool signal_safe_lister::next(const char*&, bool&) noexcept { return false; }

}  // namespace platform
}  // namespace detail
}  // namespace boost_tempfm
