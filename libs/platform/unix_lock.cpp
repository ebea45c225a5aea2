// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
//
// Byte locks (detail/byte_lock.hpp) on POSIX systems: classic fcntl record locks (libs/sources.txt:
// "linux posix"; windows_lock.cpp has the LockFileEx ones).
#include "../detail/byte_lock.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace boost_tempfm {
namespace detail {
namespace byte_lock {
namespace {

struct flock bytes(short type, std::uint64_t offset, std::uint64_t length = 1) {
  struct flock fl;
  std::memset(&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = static_cast<off_t>(offset);
  fl.l_len = static_cast<off_t>(length);
  return fl;
}

int control(handle fd, int cmd, struct flock& fl) noexcept {
  while (::fcntl(fd, cmd, &fl) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

}  // namespace

int lock(handle fd, std::uint64_t offset) noexcept {
  struct flock fl = bytes(F_WRLCK, offset);
  return control(fd, F_SETLKW, fl);
}

int try_lock(handle fd, std::uint64_t offset, bool& got) noexcept {
  struct flock fl = bytes(F_WRLCK, offset);
  const int err = control(fd, F_SETLK, fl);
  got = err == 0;
  return err == EAGAIN || err == EACCES ? 0 : err;
}

int unlock(handle fd, std::uint64_t offset, std::uint64_t length) noexcept {
  struct flock fl = bytes(F_UNLCK, offset, length);
  return control(fd, F_SETLK, fl);
}

int held_by_other(handle fd, std::uint64_t offset, bool& held, std::uint32_t* holder) noexcept {
  struct flock fl = bytes(F_WRLCK, offset);
  const int err = control(fd, F_GETLK, fl);
  held = err == 0 && fl.l_type != F_UNLCK;
  if (holder) *holder = held && fl.l_pid > 0 ? static_cast<std::uint32_t>(fl.l_pid) : 0;
  return err;
}

}  // namespace byte_lock
}  // namespace detail
}  // namespace boost_tempfm
