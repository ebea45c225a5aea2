// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
//
// The portable POSIX backend of the platform layer (platform.hpp), for macOS and the BSDs: no call
// that only Linux has. It is built and tested on Linux too (CMake: BOOST_TEMPFM_PORTABLE_POSIX=ON),
// where it runs on what POSIX gives; the few lines for what only BSD and macOS have (kern.boottime,
// f_fstypename, f_mntonname, birth times) are marked, and are not compiled by this project's CI.
// doc/design.md, "Platforms and limits", says what this backend cannot guarantee.
#include "platform.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#if defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__DragonFly__)
#define BOOST_TEMPFM_STATFS_NAMES 1  // struct statfs has f_fstypename and f_mntonname
#include <sys/param.h>  // before sys/mount.h (FreeBSD)
#include <sys/mount.h>
#endif
#if defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__) || defined(__DragonFly__)
#define BOOST_TEMPFM_KERN_BOOTTIME 1
#include <sys/sysctl.h>
#include <sys/time.h>
#endif
#if defined(__APPLE__)
#include <sys/random.h>  // getentropy
#endif

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace boost_tempfm {
namespace detail {
namespace platform {

const char* backend_name() noexcept { return "posix"; }

namespace {
int at_or_cwd(handle dir) noexcept { return dir == no_handle ? AT_FDCWD : dir; }
}  // namespace

int rename_no_replace(handle src_dir, const path_char* src, handle dst_dir, const path_char* dst) noexcept {
  // No rename that refuses to replace (renameat2 is Linux's, renamex_np macOS's): a link cannot
  // replace an existing name, and the old name goes after it.
  const int sa = at_or_cwd(src_dir);
  if (::linkat(sa, src, at_or_cwd(dst_dir), dst, 0) != 0) return errno;
  (void)::unlinkat(sa, src, 0);
  return 0;
}

int link_open_file(handle, const path_char*) noexcept { return EOPNOTSUPP; }  // POSIX cannot name an open file

int open_unnamed(handle, unsigned, handle&) noexcept { return EOPNOTSUPP; }  // no O_TMPFILE

int copy_in_kernel(handle, handle, std::uint64_t& copied) noexcept {
  copied = 0;
  return EOPNOTSUPP;  // copied with read and write by the caller
}

int open_dir_ref(const path_char* path, handle& out) noexcept {
  // No O_PATH: a directory is opened for reading, which needs read permission on it.
  int fd;
  do {
    fd = ::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
#ifdef O_SEARCH
  if (fd < 0 && errno == EACCES) fd = ::open(path, O_SEARCH | O_DIRECTORY | O_CLOEXEC);  // search permission only
#endif
  if (fd < 0) return errno;
  out = fd;
  return 0;
}

bool is_mount_point(handle parent, handle dir, std::uint64_t listed_ino) noexcept {
  struct stat a, b;
  if (::fstat(parent, &a) != 0 || ::fstat(dir, &b) != 0) return false;
  if (a.st_dev != b.st_dev) return true;  // another filesystem
#ifdef BOOST_TEMPFM_STATFS_NAMES
  // The same filesystem mounted again (nullfs, a bind mount): another mount point name.
  struct statfs fa, fb;
  if (::fstatfs(parent, &fa) == 0 && ::fstatfs(dir, &fb) == 0 &&
      std::strncmp(fa.f_mntonname, fb.f_mntonname, sizeof fa.f_mntonname) != 0)
    return true;
#endif
  // The parent's listing names the directory a mount covers, not the mounted one.
  return listed_ino != 0 && listed_ino != static_cast<std::uint64_t>(b.st_ino);
}

int make_dir_private(handle parent, const path_char* name, std::uint64_t listed_ino, bool& mount) noexcept {
  // No O_PATH to pin a directory that cannot be opened: it is looked at by name, then given its
  // mode with fchmodat(AT_SYMLINK_NOFOLLOW), which changes a symlink swapped in meanwhile (or
  // refuses to), never what the symlink names.
  struct stat ps, st;
  if (::fstat(parent, &ps) != 0) return errno;
  if (::fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return errno;
  if (!S_ISDIR(st.st_mode)) return ENOTDIR;
  mount = st.st_dev != ps.st_dev || (listed_ino != 0 && listed_ino != static_cast<std::uint64_t>(st.st_ino));
  if (mount) return EBUSY;
  return ::fchmodat(parent, name, S_IRWXU, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
}

const char* network_fs_name(const path_char* path) noexcept {
#ifdef BOOST_TEMPFM_STATFS_NAMES
  struct statfs st;
  if (::statfs(path, &st) != 0) return nullptr;
  static const char* const names[] = {"nfs", "smbfs", "cifs", "afpfs", "webdav", "fusefs", "macfuse", "osxfuse"};
  for (const char* n : names)
    if (std::strncmp(st.f_fstypename, n, std::strlen(n)) == 0) return n;
  return nullptr;
#else
  (void)path;  // POSIX has no filesystem type: cannot tell
  return nullptr;
#endif
}

namespace {

std::uint32_t fnv(std::uint32_t h, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i, v >>= 8) h = (h ^ static_cast<std::uint32_t>(v & 0xff)) * 16777619u;
  return h;
}

}  // namespace

namespace {

// dev, ino and what tells a new object at the same inode apart, from a stat.
void identity_from(const struct stat& st, format::identity& id) noexcept {
  id.dev = static_cast<std::uint64_t>(st.st_dev);
  id.ino = static_cast<std::uint64_t>(st.st_ino);
  std::int64_t birth_sec = 0;
  long birth_nsec = 0;
#if defined(__APPLE__) || defined(__NetBSD__)
  birth_sec = st.st_birthtimespec.tv_sec;
  birth_nsec = st.st_birthtimespec.tv_nsec;
#elif defined(__FreeBSD__)
  birth_sec = st.st_birthtim.tv_sec;
  birth_nsec = st.st_birthtim.tv_nsec;
#endif
  if (birth_sec > 0 || (birth_sec == 0 && birth_nsec > 0)) {  // FreeBSD says -1 when unknown
    id.btime_sec = birth_sec;
    id.btime_nsec = static_cast<std::uint32_t>(birth_nsec);
    id.handle = 0;
    return;
  }
  // No birth time: the status change time stands in for it, in `handle`. A new object made at the
  // path gets a new one (unless made within the same timestamp tick); so does the registered object
  // whenever it changes (written, given entries, chmod): then it is taken for another one, and left
  // in place.
#if defined(__APPLE__)
  const struct timespec c = st.st_ctimespec;
#else
  const struct timespec c = st.st_ctim;
#endif
  id.btime_sec = 0;
  id.btime_nsec = 0;
  id.handle = fnv(fnv(2166136261u, static_cast<std::uint64_t>(c.tv_sec)), static_cast<std::uint64_t>(c.tv_nsec)) | 1u;
}

}  // namespace

int identity_of(const path_char* path, format::identity& id, bool* is_dir) noexcept {
  struct stat st;
  if (::lstat(path, &st) != 0) return errno;
  identity_from(st, id);
  if (is_dir) *is_dir = S_ISDIR(st.st_mode);
  return 0;
}

int identity_of_handle(handle h, format::identity& id, unsigned* mode) noexcept {
  struct stat st;
  if (::fstat(h, &st) != 0) return errno;
  identity_from(st, id);
  if (mode) *mode = static_cast<unsigned>(st.st_mode & 07777);
  return 0;
}

int random_bytes(void* buf, std::size_t n) noexcept {
  if (n > 256) return EINVAL;
  return ::getentropy(buf, n) == 0 ? 0 : errno;  // glibc 2.25+, macOS 10.12+, the BSDs
}

void boot_id(std::uint8_t out[16]) noexcept {
  std::memset(out, 0, 16);
#ifdef BOOST_TEMPFM_KERN_BOOTTIME
  int mib[2] = {CTL_KERN, KERN_BOOTTIME};
  struct timeval tv;
  std::size_t len = sizeof tv;
  if (::sysctl(mib, 2, &tv, &len, nullptr, 0) != 0 || len != sizeof tv) return;
  const std::uint64_t sec = static_cast<std::uint64_t>(tv.tv_sec), usec = static_cast<std::uint64_t>(tv.tv_usec);
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<std::uint8_t>(sec >> (8 * i));
    out[8 + i] = static_cast<std::uint8_t>(usec >> (8 * i));
  }
#endif
}

std::uint64_t pid_namespace() noexcept { return 0; }

int process_start_time(std::uint32_t, std::uint64_t&, bool&) noexcept { return ENOSYS; }

void remove_legacy_semaphore(const char*) noexcept {}  // 0.1 never ran here

int allocate(handle f, std::uint64_t offset, std::uint64_t length) noexcept {
  // posix_fallocate is missing on macOS and refused by ZFS: zeros are written instead, past the
  // end of the file only (what the file holds is never changed).
  struct stat st;
  if (::fstat(f, &st) != 0) return errno;
  std::uint64_t at = std::max(offset, static_cast<std::uint64_t>(st.st_size));
  const std::uint64_t end = offset + length;
  static const char zeros[65536] = {};
  while (at < end) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(end - at, sizeof zeros));
    const ssize_t w = ::pwrite(f, zeros, n, static_cast<off_t>(at));
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    at += static_cast<std::uint64_t>(w);
  }
  return 0;
}

void* reserve_address_space(std::size_t bytes, int* err) noexcept {
  void* m = ::mmap(nullptr, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANON, -1, 0);
  if (m != MAP_FAILED) return m;
  if (err) *err = errno;
  return nullptr;
}

void prefault(void* at, std::size_t bytes) noexcept { (void)::posix_madvise(at, bytes, POSIX_MADV_WILLNEED); }

}  // namespace platform
}  // namespace detail
}  // namespace boost_tempfm
