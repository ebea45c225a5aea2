// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include "detail/file_identity.hpp"

#include "platform/platform.hpp"

namespace boost_tempfm {
namespace detail {

int identity_of(const platform::path_char* path, format::identity& id, bool* is_dir) noexcept {
  return platform::identity_of(path, id, is_dir);
}

int identity_of_fd(platform::handle fd, format::identity& id, unsigned* mode) noexcept {
  return platform::identity_of_handle(fd, id, mode);
}

bool same_object(const format::identity& then, const format::identity& now) noexcept {
  if (then.dev != now.dev || then.ino != now.ino) return false;
  if (then.handle != 0 && now.handle != 0 && then.handle != now.handle) return false;
  const bool both_born = (then.btime_sec | then.btime_nsec) != 0 && (now.btime_sec | now.btime_nsec) != 0;
  return !both_born || (then.btime_sec == now.btime_sec && then.btime_nsec == now.btime_nsec);
}

}  // namespace detail
}  // namespace boost_tempfm
