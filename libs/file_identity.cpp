// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include "detail/file_identity.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>

namespace boost_tempfm {
namespace detail {

namespace {

// The kernel's file handle names an inode together with its generation, which changes when an
// inode number is reused: a file made again at a path within the same clock tick (same birth
// time) and given the same inode number still has another handle.
std::uint32_t handle_hash(int at, const char* path, int flags) noexcept {
  union {
    struct file_handle fh;
    char space[sizeof(struct file_handle) + MAX_HANDLE_SZ];
  } buf;
  buf.fh.handle_bytes = MAX_HANDLE_SZ;
  int mount_id = 0;
  if (::name_to_handle_at(at, path, &buf.fh, &mount_id, flags) != 0) return 0;  // not exportable
  std::uint32_t h = 2166136261u;
  const unsigned char* p = buf.fh.f_handle;
  for (unsigned i = 0; i < buf.fh.handle_bytes && i < MAX_HANDLE_SZ; ++i) h = (h ^ p[i]) * 16777619u;
  h = (h ^ static_cast<std::uint32_t>(buf.fh.handle_type)) * 16777619u;
  return h | 1u;
}

}  // namespace

namespace {

// From statx; false (errno set) if it failed.
bool from_statx(int at, const char* path, int flags, format::identity& id, bool* is_dir,
                unsigned* mode = nullptr) noexcept {
  struct statx sx;
  if (::statx(at, path, flags, STATX_TYPE | STATX_MODE | STATX_INO | STATX_BTIME, &sx) != 0) return false;
  if (mode) *mode = sx.stx_mode & 07777u;
  id.dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
  id.ino = sx.stx_ino;
  const bool birth = (sx.stx_mask & STATX_BTIME) != 0;
  id.btime_sec = birth ? sx.stx_btime.tv_sec : 0;
  id.btime_nsec = birth ? sx.stx_btime.tv_nsec : 0;
  if (is_dir) *is_dir = S_ISDIR(sx.stx_mode);
  return true;
}

}  // namespace

int identity_of_fd(int fd, format::identity& id, unsigned* mode) noexcept {
  id.handle = handle_hash(fd, "", AT_EMPTY_PATH);
  if (from_statx(fd, "", AT_EMPTY_PATH, id, nullptr, mode)) return 0;
  if (errno != ENOSYS) return errno;
  struct stat st;
  if (::fstat(fd, &st) != 0) return errno;
  if (mode) *mode = st.st_mode & 07777u;
  id.dev = st.st_dev;
  id.ino = st.st_ino;
  id.btime_sec = 0;
  id.btime_nsec = 0;
  return 0;
}

int identity_of(const char* path, format::identity& id, bool* is_dir) noexcept {
  id.handle = handle_hash(AT_FDCWD, path, 0);
  if (from_statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, id, is_dir)) return 0;
  if (errno != ENOSYS) return errno;
  struct stat st;  // kernels before 4.11
  if (::lstat(path, &st) != 0) return errno;
  id.dev = st.st_dev;
  id.ino = st.st_ino;
  id.btime_sec = 0;
  id.btime_nsec = 0;
  if (is_dir) *is_dir = S_ISDIR(st.st_mode);
  return 0;
}

bool same_object(const format::identity& then, const format::identity& now) noexcept {
  if (then.dev != now.dev || then.ino != now.ino) return false;
  if (then.handle != 0 && now.handle != 0 && then.handle != now.handle) return false;
  const bool both_born = (then.btime_sec | then.btime_nsec) != 0 && (now.btime_sec | now.btime_nsec) != 0;
  return !both_born || (then.btime_sec == now.btime_sec && then.btime_nsec == now.btime_nsec);
}

}  // namespace detail
}  // namespace boost_tempfm
