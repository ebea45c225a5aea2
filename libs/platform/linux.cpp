// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
//
// The Linux backend of the platform layer (platform.hpp): the calls only Linux has, each where it
// makes a guarantee stronger or a path faster than the portable backend (posix.cpp) can.
#include "platform.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace boost_tempfm {
namespace detail {
namespace platform {

const char* backend_name() noexcept { return "linux"; }

namespace {
int at_or_cwd(handle dir) noexcept { return dir == no_handle ? AT_FDCWD : dir; }
}  // namespace

int rename_no_replace(handle src_dir, const path_char* src, handle dst_dir, const path_char* dst) noexcept {
  const int sa = at_or_cwd(src_dir), da = at_or_cwd(dst_dir);
  if (::renameat2(sa, src, da, dst, RENAME_NOREPLACE) == 0) return 0;
  const int err = errno;
  if (err != EINVAL && err != ENOSYS && err != ENOTSUP) return err;
  // A filesystem without RENAME_NOREPLACE: a link cannot replace an existing name either.
  if (::linkat(sa, src, da, dst, 0) != 0) return errno;
  (void)::unlinkat(sa, src, 0);
  return 0;
}

int link_open_file(handle f, const path_char* dst) noexcept {
  // Through /proc (any user); AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH, so it is the fallback where
  // /proc is not mounted.
  char proc[64];
  std::snprintf(proc, sizeof proc, "/proc/self/fd/%d", f);
  if (::linkat(AT_FDCWD, proc, AT_FDCWD, dst, AT_SYMLINK_FOLLOW) == 0) return 0;
  const int err = errno;
  if (err != ENOENT || ::access("/proc/self/fd", F_OK) == 0) return err;
  return ::linkat(f, "", AT_FDCWD, dst, AT_EMPTY_PATH) == 0 ? 0 : errno;
}

int open_unnamed(handle dir, unsigned mode, handle& out) noexcept {
  int fd;
  do {
    fd = ::openat(at_or_cwd(dir), ".", O_TMPFILE | O_RDWR | O_CLOEXEC, static_cast<mode_t>(mode));
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno;
  out = fd;
  return 0;
}

int copy_in_kernel(handle from, handle to, std::uint64_t& copied) noexcept {
  loff_t off = 0;
  for (;;) {
    const ssize_t n = ::copy_file_range(from, &off, to, nullptr, std::size_t(1) << 30, 0);
    if (n > 0) continue;
    copied = static_cast<std::uint64_t>(off);
    if (n == 0) return 0;
    if (errno == EINTR) continue;
    // Across filesystem types (before Linux 5.19 also across filesystems), or not at all.
    if (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP) return EOPNOTSUPP;
    return errno;
  }
}

int open_dir_ref(const path_char* path, handle& out) noexcept {
  int fd;
  do {
    fd = ::open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno;
  out = fd;
  return 0;
}

int make_dir_private(handle parent, const path_char* name, std::uint64_t listed_ino, bool& mount) noexcept {
  // An O_PATH descriptor opened with O_NOFOLLOW|O_DIRECTORY pins the directory itself (no read or
  // search permission needed), and chmod goes through /proc/self/fd to exactly that inode (as
  // glibc's fchmodat(AT_SYMLINK_NOFOLLOW) does).
  const int fd = ::openat(parent, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno == ELOOP ? ENOTDIR : errno;
  // Another mount's directory is not ours to re-mode (nor to empty): say so before touching it.
  mount = is_mount_point(parent, fd, listed_ino);
  if (mount) {
    ::close(fd);
    return EBUSY;
  }
  char proc[64];
  std::snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  int err = ::chmod(proc, S_IRWXU) == 0 ? 0 : errno;
  ::close(fd);
  if (err != ENOENT) return err;
  // No /proc: glibc's fchmodat refuses symlinks with AT_SYMLINK_NOFOLLOW.
  return ::fchmodat(parent, name, S_IRWXU, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
}

bool is_mount_point(handle parent, handle dir, std::uint64_t listed_ino) noexcept {
  struct statx sx;
  if (::statx(dir, "", AT_EMPTY_PATH, STATX_TYPE, &sx) == 0 && (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
    return (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
  // Kernels before 5.8: another device is another mount; so is a directory other than the one the
  // parent lists under that name (a bind mount of the same filesystem covers it).
  struct stat a, b;
  if (::fstat(parent, &a) != 0 || ::fstat(dir, &b) != 0) return false;
  return a.st_dev != b.st_dev || (listed_ino != 0 && listed_ino != static_cast<std::uint64_t>(b.st_ino));
}

const char* network_fs_name(const path_char* path) noexcept {
  struct statfs st;
  if (::statfs(path, &st) != 0) return nullptr;
  switch (static_cast<unsigned long>(st.f_type)) {
    case 0x6969ul: return "NFS";
    case 0x517Bul: return "SMB";
    case 0xFF534D42ul: return "CIFS";
    case 0xFE534D42ul: return "SMB2";
    case 0x65735546ul: return "FUSE";
    case 0x564c7fd5ul: return "Ceph";
    case 0x47504653ul: return "GPFS";
    default: return nullptr;
  }
}

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

int identity_of(const path_char* path, format::identity& id, bool* is_dir) noexcept {
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

int identity_of_handle(handle h, format::identity& id, unsigned* mode) noexcept {
  id.handle = handle_hash(h, "", AT_EMPTY_PATH);
  if (from_statx(h, "", AT_EMPTY_PATH, id, nullptr, mode)) return 0;
  if (errno != ENOSYS) return errno;
  struct stat st;
  if (::fstat(h, &st) != 0) return errno;
  if (mode) *mode = st.st_mode & 07777u;
  id.dev = st.st_dev;
  id.ino = st.st_ino;
  id.btime_sec = 0;
  id.btime_nsec = 0;
  return 0;
}

int random_bytes(void* buf, std::size_t n) noexcept {
  if (n > 256) return EINVAL;
  ssize_t got;
  do {
    got = ::getrandom(buf, n, 0);  // up to 256 bytes are never cut short
  } while (got < 0 && errno == EINTR);
  if (got < 0) return errno;
  return static_cast<std::size_t>(got) == n ? 0 : EIO;
}

namespace {

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads a small file of /proc into buf (NUL-terminated); the bytes read, or -1.
ssize_t read_proc(const char* path, char* buf, std::size_t size) noexcept {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n;
  do {
    n = ::read(fd, buf, size - 1);
  } while (n < 0 && errno == EINTR);
  const int err = errno;
  ::close(fd);
  errno = err;
  buf[n > 0 ? n : 0] = 0;
  return n;
}

}  // namespace

void boot_id(std::uint8_t out[16]) noexcept {
  std::memset(out, 0, 16);
  char buf[64];
  if (read_proc("/proc/sys/kernel/random/boot_id", buf, sizeof buf) <= 0) return;
  std::size_t k = 0;
  for (const char* p = buf; *p && k < 32; ++p) {
    const int v = hexval(*p);
    if (v < 0) continue;  // the dashes
    out[k / 2] = static_cast<std::uint8_t>(out[k / 2] | (v << ((k % 2) ? 0 : 4)));
    ++k;
  }
}

std::uint64_t pid_namespace() noexcept {
  struct stat st;
  return ::stat("/proc/self/ns/pid", &st) == 0 ? static_cast<std::uint64_t>(st.st_ino) : 0;
}

int process_start_time(std::uint32_t pid, std::uint64_t& start_time, bool& ended) noexcept {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%u/stat", pid);
  char buf[1024];
  const ssize_t n = read_proc(path, buf, sizeof buf);
  if (n < 0) {
    if (errno != ENOENT) return errno;
    return ::access("/proc/self/stat", R_OK) == 0 ? ESRCH : ENOSYS;  // no /proc: cannot tell
  }
  const char* p = std::strrchr(buf, ')');  // the command name may hold spaces and parentheses
  if (!p) return EPROTO;
  for (++p; *p == ' '; ++p) {
  }
  ended = *p == 'Z' || *p == 'X';
  for (int field = 3; field < 22; ++field) {  // starttime is field 22
    while (*p == ' ') ++p;
    while (*p && *p != ' ') ++p;
    if (!*p) return EPROTO;
  }
  start_time = std::strtoull(p, nullptr, 10);
  return 0;
}

void remove_legacy_semaphore(const char* name) noexcept {
  char path[128];
  std::snprintf(path, sizeof path, "/dev/shm/sem.%s", name);  // glibc's place for sem_open(name)
  struct stat st;
  if (::lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid()) (void)::unlink(path);
}

int allocate(handle f, std::uint64_t offset, std::uint64_t length) noexcept {
  int err;
  do {
    err = ::posix_fallocate(f, static_cast<off_t>(offset), static_cast<off_t>(length));
  } while (err == EINTR);
  return err;
}

void* reserve_address_space(std::size_t bytes, int* err) noexcept {
  void* m = ::mmap(nullptr, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m != MAP_FAILED) return m;
  if (err) *err = errno;
  return nullptr;
}

void prefault(void* at, std::size_t bytes) noexcept {
#ifdef MADV_POPULATE_READ
  (void)::madvise(at, bytes, MADV_POPULATE_READ);  // Linux 5.14+: maps every page in one call
#else
  (void)at;
  (void)bytes;
#endif
}

namespace {
struct linux_dirent64 {
  ino64_t d_ino;
  off64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[1];
};
}  // namespace

signal_safe_lister::signal_safe_lister(handle dir, char* buf, std::size_t size) noexcept
    : dir_(dir), buf_(buf), size_(size) {
  ::lseek(dir_, 0, SEEK_SET);
}

bool signal_safe_lister::supported() noexcept { return true; }

bool signal_safe_lister::next(const char*& name, bool& is_dir) noexcept {
  if (pos_ >= got_) {
    got_ = ::syscall(SYS_getdents64, dir_, buf_, size_);
    pos_ = 0;
    if (got_ <= 0) {
      got_ = 0;
      return false;
    }
  }
  const linux_dirent64* d = reinterpret_cast<const linux_dirent64*>(buf_ + pos_);
  pos_ += d->d_reclen;
  name = d->d_name;
  is_dir = d->d_type == DT_DIR;
  return true;
}

}  // namespace platform
}  // namespace detail
}  // namespace boost_tempfm
