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
#include <climits>

namespace boost_tempfm {
namespace detail {
namespace platform {

namespace {
int at_or_cwd(handle dir) noexcept { return dir == no_handle ? AT_FDCWD : dir; }
}  // namespace

const boost::system::error_category& errno_category() noexcept { return boost::system::system_category(); }

int close(handle h) noexcept {
  if (h < 0) return 0;
  // Never retried: the descriptor is gone even when close says EINTR (Linux never keeps it).
  return ::close(h) == 0 || errno == EINTR ? 0 : errno;
}

int remove_name(handle dir, const path_char* name, bool is_dir) noexcept {
  return ::unlinkat(at_or_cwd(dir), name, is_dir ? AT_REMOVEDIR : 0) == 0 ? 0 : errno;
}

int open_dir_at(handle dir, const path_char* name, handle& out) noexcept {
  const int fd = ::openat(at_or_cwd(dir), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno;
  out = fd;
  return 0;
}

int open_dir_for_sync(const path_char* path, handle& out) noexcept {
  int fd;
  do {
    fd = ::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno;
  out = fd;
  return 0;
}

int open_file_read(handle dir, const path_char* name, handle& out) noexcept {
  int fd;
  do {
    fd = ::openat(at_or_cwd(dir), name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno;
  out = fd;
  return 0;
}

int open_or_create_file(handle dir, const path_char* name, unsigned mode, handle& out) noexcept {
  const int fd = ::openat(at_or_cwd(dir), name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) return errno;
  out = fd;
  return 0;
}

int set_mode(handle h, unsigned mode) noexcept { return ::fchmod(h, static_cast<mode_t>(mode)) == 0 ? 0 : errno; }

namespace {
void status_from(const struct stat& s, file_status& st) noexcept {
  st.is_dir = S_ISDIR(s.st_mode);
  st.is_regular = S_ISREG(s.st_mode);
  st.is_symlink = S_ISLNK(s.st_mode);
  st.size = static_cast<std::uint64_t>(s.st_size);
  st.mode = static_cast<unsigned>(s.st_mode & 07777);
  st.owner = static_cast<std::uint64_t>(s.st_uid);
}
}  // namespace

int status_at(handle dir, const path_char* name, file_status& st) noexcept {
  struct stat s;
  if (::fstatat(at_or_cwd(dir), name, &s, AT_SYMLINK_NOFOLLOW) != 0) return errno;
  status_from(s, st);
  return 0;
}

int status_of(handle h, file_status& st) noexcept {
  struct stat s;
  if (::fstat(h, &s) != 0) return errno;
  status_from(s, st);
  return 0;
}

int sync(handle h) noexcept {
  int r;
  do {
    r = ::fsync(h);
  } while (r != 0 && errno == EINTR);
  return r == 0 ? 0 : errno;
}

int read_at(handle h, void* buf, std::size_t n, std::uint64_t offset, std::size_t& got) noexcept {
  ssize_t r;
  do {
    r = ::pread(h, buf, n, static_cast<off_t>(offset));
  } while (r < 0 && errno == EINTR);
  if (r < 0) return errno;
  got = static_cast<std::size_t>(r);
  return 0;
}

int write_all(handle h, const void* buf, std::size_t n) noexcept {
  const char* p = static_cast<const char*>(buf);
  for (std::size_t done = 0; done < n;) {
    const ssize_t w = ::write(h, p + done, n - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    done += static_cast<std::size_t>(w);
  }
  return 0;
}

int tell(handle h, std::uint64_t& offset) noexcept {
  const off_t off = ::lseek(h, 0, SEEK_CUR);
  if (off < 0) return errno;
  offset = static_cast<std::uint64_t>(off);
  return 0;
}

int seek(handle h, std::uint64_t offset) noexcept {
  return ::lseek(h, static_cast<off_t>(offset), SEEK_SET) < 0 ? errno : 0;
}

int rename_at(handle src_dir, const path_char* src, handle dst_dir, const path_char* dst) noexcept {
  return ::renameat(at_or_cwd(src_dir), src, at_or_cwd(dst_dir), dst) == 0 ? 0 : errno;
}

std::size_t name_max(const path_char* dir) noexcept {
  errno = 0;
  const long n = ::pathconf(dir, _PC_NAME_MAX);
  return n > 0 ? static_cast<std::size_t>(n) : NAME_MAX;
}

std::size_t name_max_of_handle(handle h) noexcept {
  errno = 0;
  const long n = ::fpathconf(h, _PC_NAME_MAX);
  return n > 0 ? static_cast<std::size_t>(n) : NAME_MAX;
}

std::uint32_t process_id() noexcept { return static_cast<std::uint32_t>(::getpid()); }

std::uint64_t user_id() noexcept { return static_cast<std::uint64_t>(::geteuid()); }

int create_file(handle dir, const path_char* name, unsigned mode, handle* out) noexcept {
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

int create_dir(handle dir, const path_char* name, unsigned mode) noexcept {
  return ::mkdirat(at_or_cwd(dir), name, static_cast<mode_t>(mode)) == 0 ? 0 : errno;
}

int at_fork(void (*prepare)(), void (*parent)(), void (*child)()) noexcept {
  return ::pthread_atfork(prepare, parent, child);
}

int map_shared_at(void* at, std::size_t bytes, handle f, std::uint64_t offset) noexcept {
  void* m = ::mmap(at, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, f, static_cast<off_t>(offset));
  return m == MAP_FAILED ? errno : 0;
}

std::size_t map_granularity() noexcept { return 1; }

void release_address_space(void* at, std::size_t bytes) noexcept {
  if (at) ::munmap(at, bytes);
}

}  // namespace platform
}  // namespace detail
}  // namespace boost_tempfm
