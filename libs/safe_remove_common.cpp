// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
//
// The parts of detail/safe_remove.hpp that are the same on every platform (the walks themselves
// are in the platform layer: platform/unix_remove.cpp).
#include "detail/safe_remove.hpp"

#include <string>

namespace boost_tempfm {
namespace detail {

const char* kind_name(entry_type k) noexcept {
  switch (k) {
    case entry_type::file: return "file";
    case entry_type::directory: return "directory";
    case entry_type::symlink: return "symlink";
  }
  return "file";
}

std::string describe_failure(const removal_result& r) {
  if (r.mount_point) return "a mount point, left untouched, at " + r.failed_path.string();
  return r.ec.message() + " at " + r.failed_path.string();
}

}  // namespace detail
}  // namespace boost_tempfm
