// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LIBS_PLATFORM_HPP
#define BOOST_TEMPFM_LIBS_PLATFORM_HPP

// The platform layer: every system call of libs/ is made behind this interface, and only here. The
// rest of libs/ uses it and Boost; it includes no system header and holds no #ifdef.
//
//   linux.cpp    the Linux backend (default on Linux): statx, O_PATH, getdents64,
//                name_to_handle_at, getrandom, statfs magic, posix_fallocate, MADV_POPULATE_READ, /proc.
//   posix.cpp    the portable POSIX backend (macOS, the BSDs; forced on Linux with the CMake option
//                BOOST_TEMPFM_PORTABLE_POSIX=ON, so that CI builds and tests it): none of those.
//   unix.cpp     what both share; and whole concerns that are system calls through and through:
//                unix_lock.cpp (detail/byte_lock.hpp: fcntl record locks), unix_remove.cpp
//                (detail/safe_remove.hpp), unix_root.cpp (detail/root.hpp), unix_signal.cpp
//                (detail/signal_list.hpp, install_signal_cleanup).
//   windows.cpp  the Windows backend (Win32; a handle is a HANDLE, names are UTF-16), with
//                windows_map.cpp (the registry mapping, LockFileEx byte locks), windows_remove.cpp,
//                windows_root.cpp and windows_signal.cpp (console events) for the same concerns.
// libs/sources.txt tags each file with its backends. What each backend guarantees, and what the
// portable and Windows ones cannot, is in doc/design.md, "Platforms and limits".
//
// Every function is noexcept and returns 0 or an errno value (never -1 with errno); EINTR is retried
// wherever a retry cannot repeat what the interrupted call did.

#include "../detail/registry_format.hpp"

#include <boost_tempfm/config.hpp>

#include <boost/filesystem/path.hpp>
#include <boost/system/error_category.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace boost_tempfm {
namespace detail {
namespace platform {

// "linux", "posix" or "windows".
const char* backend_name() noexcept;

// The category of the errno values this layer returns, for error_codes: system_category() on POSIX
// (where the two agree); generic_category() on Windows, where system_category() means Win32 codes.
const boost::system::error_category& errno_category() noexcept;

// ---- Handles -----------------------------------------------------------------------------------

// An open file or directory: a descriptor on POSIX systems, a HANDLE on Windows (the public
// native_handle_type).
using handle = native_handle_type;
// No handle; as the directory argument of an operation: the name is a path of its own (absolute,
// or relative to the current directory).
constexpr handle no_handle = no_native_handle;

// A name as the system spells it: char on POSIX, wchar_t (UTF-16) on Windows, what
// boost::filesystem::path::c_str() gives. Names the layer takes are of this type, so that
// p.c_str() (or a pointer into it) is passed as it is, without a conversion.
using path_char = boost::filesystem::path::value_type;
using path_string = boost::filesystem::path::string_type;

// Where names are UTF-16 (Windows): the UTF-8 form of n wide characters, and back (invalid UTF-16,
// a lone surrogate, becomes U+FFFD; so does invalid UTF-8). Defined by the Windows backend only.
std::string utf8_of(const wchar_t* s, std::size_t n);
std::wstring wide_of_utf8(const std::string& s);

// The bytes that stand for path p in the registry and the signal list, and keys of path maps: its
// native string on POSIX (a reference, no copy). On Windows "/" and its generic form in UTF-8
// ("/C:/Users/me/AppData/Local/Temp/tempfm/x": the registry's format is '/'-separated and absolute
// paths begin with '/'; UTF-8 so that every name, whatever the code page, is stored faithfully and
// every process reads the same bytes).
template <class Path = boost::filesystem::path>
decltype(auto) path_bytes(const Path& p) {
  if constexpr (sizeof(typename Path::value_type) == 1) {
    return (p.native());
  } else {
    const std::wstring g = p.generic_wstring();
    return "/" + utf8_of(g.data(), g.size());
  }
}

// The path path_bytes() gave s for.
template <class Path = boost::filesystem::path>
Path path_of_bytes(std::string s) {
  if constexpr (sizeof(typename Path::value_type) == 1) {
    return Path(std::move(s));
  } else {
    if (s.size() > 2 && s[0] == '/' && s[2] == ':') s.erase(0, 1);
    Path p(wide_of_utf8(s));
    p.make_preferred();
    return p;
  }
}

// What format::path_problem (which knows '/' alone as a separator) cannot see in the bytes s of a
// registry entry, as path_of_bytes() would read them: "" if nothing. On Windows '\\' separates
// names too and ':' names a drive or a stream ("keep::$DATA" is the file keep itself); path_bytes()
// writes neither, but the drive's ':' in "/C:/...". So an entry holding one elsewhere, or an
// absolute one without a drive, was not written by this library, and acting on it could reach
// another file than the one name it spells ("..\\x" in the root is the root's sibling x). POSIX:
// nothing, both are bytes of a name there.
template <class Char = path_char>
const char* stored_path_problem(const std::string& s, bool relative) noexcept {
  if constexpr (sizeof(Char) == 1) {
    (void)s;
    (void)relative;
    return "";
  } else {
    std::size_t from = 0;
    if (!relative) {
      const char drive = static_cast<char>(s.size() > 1 ? s[1] | 0x20 : 0);
      if (s.size() < 3 || s[0] != '/' || drive < 'a' || drive > 'z' || s[2] != ':' || (s.size() > 3 && s[3] != '/'))
        return "an absolute path without a drive (\"/C:/...\")";
      from = 3;
    }
    if (s.find_first_of("\\:", from) != std::string::npos)
      return "a name holding '\\' or ':' (a separator, a drive or a stream on Windows)";
    return "";
  }
}

// Appends the narrow string s (a prefix, a suffix: what users pass as std::string) to a name being
// built: as it is on POSIX; on Windows converted as boost::filesystem::path converts narrow strings.
template <class String>
void append_narrow(String& out, const std::string& s) {
  if constexpr (sizeof(typename String::value_type) == 1)
    out += s;
  else
    out += boost::filesystem::path(s).native();
}

// A directory at path (symlinks followed) opened so that sync() can be given it; Windows: opened
// with FILE_FLAG_BACKUP_SEMANTICS (where sync of a directory does nothing: NTFS orders metadata).
int open_dir_for_sync(const path_char* path, handle& out) noexcept;

// Closes h (nothing for no_handle). The handle is gone whatever the result: 0, or the errno of a
// failure that may have lost data (EIO; never EINTR, which is not retried).
int close(handle h) noexcept;

// ---- Plain operations on names and handles ------------------------------------------------------
// What every backend has, in one place so that the rest of libs/ makes no system call itself.

// Removes the name `name` in dir (no_handle: a path of its own) without following it: a file or a
// symlink, or (is_dir) an empty directory. unlinkat; Windows: a reparse point is removed itself.
int remove_name(handle dir, const path_char* name, bool is_dir) noexcept;

// Opens the directory `name` in dir (no_handle: a path of its own) to list and remove names in,
// never through a symlink (ELOOP or ENOTDIR then). POSIX: O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC.
int open_dir_at(handle dir, const path_char* name, handle& out) noexcept;

// Opens the file `name` in dir (no_handle: a path of its own) for reading, never through a final
// symlink (ELOOP), not inherited by programs this process executes.
int open_file_read(handle dir, const path_char* name, handle& out) noexcept;

// Opens the regular file `name` in dir for reading and writing, creating it with `mode` if it is
// missing; never through a symlink (ELOOP); not inherited. (The registry's files.)
int open_or_create_file(handle dir, const path_char* name, unsigned mode, handle& out) noexcept;

// Gives the object h the permission bits `mode` (fchmod). Windows: the read-only attribute follows
// the owner's write bit; nothing else is kept.
int set_mode(handle h, unsigned mode) noexcept;

// What lstat/fstat say, as far as this library looks.
struct file_status {
  bool is_dir = false;
  bool is_regular = false;
  bool is_symlink = false;  // a symlink (Windows: any reparse point)
  std::uint64_t size = 0;
  unsigned mode = 0;       // permission bits (07777)
  std::uint64_t owner = 0;  // the owning user (uid; Windows: 0)
  std::uint64_t dev = 0;    // the device (Windows: the volume serial number)
  std::uint64_t ino = 0;    // the inode number (Windows: the file index)
};
// The status of `name` in dir (no_handle: a path of its own), never following a final symlink.
int status_at(handle dir, const path_char* name, file_status& st) noexcept;
// The status of the object h.
int status_of(handle h, file_status& st) noexcept;

// Writes what the system caches of h to the device (fsync; Windows: FlushFileBuffers). EINTR retried.
int sync(handle h) noexcept;
// Reads up to n bytes at offset (pread); got receives how many (0 at the end). EINTR retried.
int read_at(handle h, void* buf, std::size_t n, std::uint64_t offset, std::size_t& got) noexcept;
// Writes all n bytes at h's offset. EINTR retried.
int write_all(handle h, const void* buf, std::size_t n) noexcept;
// h's offset (lseek SEEK_CUR), and setting it.
int tell(handle h, std::uint64_t& offset) noexcept;
int seek(handle h, std::uint64_t offset) noexcept;

// Renames src to dst, replacing dst if it exists (renameat; Windows: MoveFileExW with
// MOVEFILE_REPLACE_EXISTING). Each a name in its directory, or a path of its own with no_handle.
int rename_at(handle src_dir, const path_char* src, handle dst_dir, const path_char* dst) noexcept;

// The longest name (in path_char units) the directory at dir takes (pathconf _PC_NAME_MAX, else
// NAME_MAX; Windows: 255); the same for the directory h.
std::size_t name_max(const path_char* dir) noexcept;
std::size_t name_max_of_handle(handle h) noexcept;

// This process's id (getpid; Windows: GetCurrentProcessId), and the user it runs as (geteuid;
// Windows: 0: ownership is checked on the security descriptor instead).
std::uint32_t process_id() noexcept;
std::uint64_t user_id() noexcept;

// ---- Exclusive creation ------------------------------------------------------------------------

// Creates the regular file `name` in dir with permission bits `mode` (less the umask), failing with
// EEXIST when the name exists in any form: a file, a directory, a symlink (a dangling one too; it is
// never followed). Opened for reading and writing, never inherited by a program this process
// executes. *out receives it; with out == nullptr it is closed at once.
int create_file(handle dir, const path_char* name, unsigned mode, handle* out) noexcept;

// The same for a directory (mkdir: EEXIST for any existing name).
int create_dir(handle dir, const path_char* name, unsigned mode) noexcept;

// ---- Names for files that exist ------------------------------------------------------------------

// Renames src to dst (each a name in its directory, or a path of its own with no_handle), failing
// with EEXIST when dst exists. Linux: renameat2(RENAME_NOREPLACE), or where the filesystem lacks
// it, linkat + unlinkat. Portable: linkat + unlinkat: not atomic (a crash between the two leaves
// both names), and refused (EPERM, ENOTSUP) by filesystems without hard links.
int rename_no_replace(handle src_dir, const path_char* src, handle dst_dir, const path_char* dst) noexcept;

// Gives the open file f (unnamed, or whose last name is gone) the name dst (absolute); EEXIST when
// it exists. Linux: linkat through /proc/self/fd, or AT_EMPTY_PATH. Portable: EOPNOTSUPP (POSIX
// cannot name an open file).
int link_open_file(handle f, const path_char* dst) noexcept;

// A regular file without a name in directory dir, with `mode`, open for reading and writing, never
// inherited by a program this process executes; the kernel frees it when its last descriptor
// closes. Linux: O_TMPFILE (EOPNOTSUPP or EISDIR where the filesystem or kernel has none).
// Portable: EOPNOTSUPP.
int open_unnamed(handle dir, unsigned mode, handle& out) noexcept;

// Copies all of from (from offset 0) to `to` (at its offset) inside the kernel; `copied` receives
// the bytes copied. EOPNOTSUPP: the caller copies the rest itself, from `copied` on. Linux:
// copy_file_range (EOPNOTSUPP across filesystem types). Portable: EOPNOTSUPP at once.
int copy_in_kernel(handle from, handle to, std::uint64_t& copied) noexcept;

// ---- Directories to work in --------------------------------------------------------------------

// A handle of the directory at path (symlinks on the way, the last name included, are followed as
// named), to create, remove and identify names relative to. Linux: O_PATH, so search permission is
// enough. Portable: opened for reading (O_SEARCH where the system has it, when reading is denied).
int open_dir_ref(const path_char* path, handle& out) noexcept;

// Gives the directory `name` in parent mode 0700 without ever following a symlink (the mode lands
// on that directory, or on nothing). Refused with EBUSY, and mount = true, when it is a mount point
// (see is_mount_point; listed_ino likewise). ENOTDIR when it is no directory.
int make_dir_private(handle parent, const path_char* name, std::uint64_t listed_ino, bool& mount) noexcept;

// ---- Mounts ------------------------------------------------------------------------------------

// Whether the directory dir, opened as a name in parent, is the root of another mount. listed_ino:
// the inode number parent's listing gave for that name (readdir's d_ino: the directory the mount
// covers, not the mounted one), 0 when it is not known. Linux: statx STATX_ATTR_MOUNT_ROOT (5.8+),
// bind mounts included. Portable: another device, or (BSD, macOS) another mount by fstatfs, or a
// listed inode number other than the directory's own. Async-signal-safe.
bool is_mount_point(handle parent, handle dir, std::uint64_t listed_ino = 0) noexcept;

// The name of the filesystem type of path when it is one where a mapping shared by the processes of
// several hosts is not coherent (NFS, SMB/CIFS, FUSE, ...); nullptr otherwise, or when this backend
// cannot tell.
const char* network_fs_name(const path_char* path) noexcept;

// ---- Identity ----------------------------------------------------------------------------------

// What pins the object at path (never following a final symlink): device and inode, and what
// tells a new object that reused the inode number apart. Linux: birth time (statx) and a hash of
// the kernel's file handle (inode generation). Portable: birth time where struct stat has one
// (macOS, FreeBSD, NetBSD), else a hash of the status change time in `handle`.
int identity_of(const path_char* path, format::identity& id, bool* is_dir) noexcept;
// The same for the object h names (what was just created, without a path walk); mode (if given)
// receives its permission bits.
int identity_of_handle(handle h, format::identity& id, unsigned* mode) noexcept;

// ---- Random ------------------------------------------------------------------------------------

// n bytes (at most 256) from the kernel's generator. Linux: getrandom; portable: getentropy.
int random_bytes(void* buf, std::size_t n) noexcept;

// ---- This process ------------------------------------------------------------------------------

// This boot's id: Linux: /proc/sys/kernel/random/boot_id; BSD, macOS: kern.boottime; otherwise
// all zero (unknown).
void boot_id(std::uint8_t out[16]) noexcept;

// The inode of this process's PID namespace; 0 where there are none (or /proc is missing).
std::uint64_t pid_namespace() noexcept;

// Runs prepare before fork() and parent/child after it (pthread_atfork).
int at_fork(void (*prepare)(), void (*parent)(), void (*child)()) noexcept;

// ---- Version-1 registries (boost_tempfm 0.1.0, which ran on Linux only) --------------------------

// The start time of process pid (/proc/PID/stat field 22) and whether it has ended (a zombie).
// ESRCH: no such process. ENOSYS: this system cannot tell (no /proc; the portable backend).
int process_start_time(std::uint32_t pid, std::uint64_t& start_time, bool& ended) noexcept;

// Removes 0.1's POSIX named semaphore `name` if it is this user's (Linux: /dev/shm/sem.NAME).
void remove_legacy_semaphore(const char* name) noexcept;

// ---- The registry's storage --------------------------------------------------------------------

// Makes bytes [offset, offset + length) of the file f allocated, so that a later store through a
// mapping cannot meet a full disk (which would be SIGBUS). Never changes bytes the file holds.
// Linux: posix_fallocate. Portable: zeros written past the end of the file.
int allocate(handle f, std::uint64_t offset, std::uint64_t length) noexcept;

// The unit in which map_shared_at maps, when it is more than the caller's pages: 1 on POSIX (mmap
// maps exactly what is asked); Windows: 65536, the allocation granularity (a view starts at a
// multiple of it; map_shared_at maps whole units, so a registry keeps its size a multiple of it).
std::size_t map_granularity() noexcept;

// Address space for `bytes`, reserved and inaccessible, to map files into; nullptr (errno in
// *err) if none.
void* reserve_address_space(std::size_t bytes, int* err) noexcept;
// Maps bytes [offset, offset + bytes) of f, shared and writable, at `at` (inside a reservation).
int map_shared_at(void* at, std::size_t bytes, handle f, std::uint64_t offset) noexcept;
// Gives back a whole reservation and what is mapped in it.
void release_address_space(void* at, std::size_t bytes) noexcept;
// Reads a mapped range in before it is scanned (one call instead of a page fault per page); a
// hint: it may do nothing.
void prefault(void* at, std::size_t bytes) noexcept;

// ---- Signal handlers ---------------------------------------------------------------------------

// Lists a directory from a signal handler: no allocation, no lock, in the caller's buffer. Linux:
// getdents64. The portable backend has no async-signal-safe way to list a directory (readdir
// allocates): supported() is false and next() finds nothing, so a handler removes files and empty
// directories only.
class signal_safe_lister {
 public:
  // Lists dir from its start; buf (8-byte aligned) holds what one system call returns.
  signal_safe_lister(handle dir, char* buf, std::size_t size) noexcept;
  static bool supported() noexcept;
  // The next name ("." and ".." included) and whether it is a directory. false at the end, or on
  // an error.
  bool next(const char*& name, bool& is_dir) noexcept;

 private:  // (the portable backend uses none of them)
  [[maybe_unused]] handle dir_;
  [[maybe_unused]] char* buf_;
  [[maybe_unused]] std::size_t size_;
  [[maybe_unused]] long got_ = 0;  // bytes in buf_
  [[maybe_unused]] long pos_ = 0;  // next record in buf_
};

}  // namespace platform
}  // namespace detail
}  // namespace boost_tempfm

#endif
