// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
//
// The part of the platform layer that the Linux and the portable POSIX backends share: calls that
// are the same on every POSIX system (libs/sources.txt: "linux posix").
#include "platform.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace boost_tempfm {
namespace detail {
namespace platform {

namespace {
int at_or_cwd(handle dir) noexcept { return dir == no_handle ? AT_FDCWD : dir; }
}  // namespace

void close(handle h) noexcept {
  if (h >= 0) ::close(h);  // never retried: the descriptor is gone even when close says EINTR
}

int create_file(handle dir, const char* name, unsigned mode, handle* out) noexcept {
  // O_EXCL with O_CREAT fails on any existing name, a symlink included (it is not followed);
  // O_NOFOLLOW says the same once more. EINTR is not retried: a retry could find its own file.
  const int fd =
      ::openat(at_or_cwd(dir), name, O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_RDWR, static_cast<mode_t>(mode));
  if (fd < 0) return errno;
  if (out)
    *out = fd;
  else
    ::close(fd);
  return 0;
}

int create_dir(handle dir, const char* name, unsigned mode) noexcept {
  return ::mkdirat(at_or_cwd(dir), name, static_cast<mode_t>(mode)) == 0 ? 0 : errno;
}

int at_fork(void (*prepare)(), void (*parent)(), void (*child)()) noexcept {
  return ::pthread_atfork(prepare, parent, child);
}

int map_shared_at(void* at, std::size_t bytes, handle f, std::uint64_t offset) noexcept {
  void* m = ::mmap(at, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, f, static_cast<off_t>(offset));
  return m == MAP_FAILED ? errno : 0;
}

void release_address_space(void* at, std::size_t bytes) noexcept {
  if (at) ::munmap(at, bytes);
}

}  // namespace platform
}  // namespace detail
}  // namespace boost_tempfm
