// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// The facts about a library object's native handle (a descriptor on POSIX, a HANDLE on Windows)
// and about this process that the tests check on both platforms: the second half of the tests'
// platform seam, beside support.hpp. Each helper says what it means on each.
#ifndef BOOST_TEMPFM_TEST_SUPPORT_NATIVE_HPP
#define BOOST_TEMPFM_TEST_SUPPORT_NATIVE_HPP

#include "support.hpp"

#include <boost_tempfm/config.hpp>

#ifdef _WIN32
#include <vector>
#else
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace tempfm_test {

using native = boost_tempfm::native_handle_type;

#ifdef _WIN32

namespace win_detail {
// A handle as the system lists it (SYSTEM_HANDLE_TABLE_ENTRY_INFO_EX).
struct handle_entry {
  void* object;
  ULONG_PTR pid;
  ULONG_PTR value;
  ULONG access;
  USHORT creator_back_trace_index, object_type_index;
  ULONG attributes, reserved;
};
struct handle_table {
  ULONG_PTR count, reserved;
  handle_entry entries[1];
};
using query_system_fn = LONG(WINAPI*)(int, void*, ULONG, ULONG*);
using query_object_fn = LONG(WINAPI*)(HANDLE, int, void*, ULONG, ULONG*);
inline FARPROC ntdll(const char* name) { return ::GetProcAddress(::GetModuleHandleW(L"ntdll.dll"), name); }
}  // namespace win_detail

// The handles this process has open: NtQuerySystemInformation(SystemExtendedHandleInformation)
// (wine 8's GetProcessHandleCount always says 0), else GetProcessHandleCount.
inline int open_handle_count() {
  const auto query = reinterpret_cast<win_detail::query_system_fn>(
      reinterpret_cast<void*>(win_detail::ntdll("NtQuerySystemInformation")));
  std::vector<char> buf(std::size_t(1) << 20);
  for (int attempt = 0; query && attempt < 6; ++attempt) {
    ULONG got = 0;
    const LONG st = query(64 /* SystemExtendedHandleInformation */, buf.data(), static_cast<ULONG>(buf.size()), &got);
    if (st == static_cast<LONG>(0xC0000004L)) {  // STATUS_INFO_LENGTH_MISMATCH
      buf.resize(buf.size() * 4);
      continue;
    }
    if (st < 0) break;
    const auto* table = reinterpret_cast<const win_detail::handle_table*>(buf.data());
    int n = 0;
    for (ULONG_PTR i = 0; i < table->count; ++i) n += table->entries[i].pid == ::GetCurrentProcessId();
    return n;
  }
  DWORD n = 0;
  BOOST_REQUIRE(::GetProcessHandleCount(::GetCurrentProcess(), &n));
  return static_cast<int>(n);
}

// The handle is open (GetHandleInformation knows it).
inline bool handle_open(native h) {
  DWORD flags = 0;
  return h != nullptr && ::GetHandleInformation(reinterpret_cast<HANDLE>(h), &flags) != 0;
}

// A program this process starts would inherit it (HANDLE_FLAG_INHERIT).
inline bool inheritable(native h) {
  DWORD flags = 0;
  BOOST_REQUIRE(::GetHandleInformation(reinterpret_cast<HANDLE>(h), &flags));
  return (flags & HANDLE_FLAG_INHERIT) != 0;
}

// Opened for reading and for writing: the access granted to the handle (NtQueryObject,
// ObjectBasicInformation) includes FILE_READ_DATA and FILE_WRITE_DATA.
inline bool opened_read_write(native h) {
  struct basic_information {
    ULONG attributes;
    ACCESS_MASK granted_access;
    ULONG rest[12];
  } info{};
  const auto query = reinterpret_cast<win_detail::query_object_fn>(reinterpret_cast<void*>(win_detail::ntdll("NtQueryObject")));
  BOOST_REQUIRE(query);
  ULONG got = 0;
  BOOST_REQUIRE(query(reinterpret_cast<HANDLE>(h), 0, &info, sizeof info, &got) >= 0);
  const ACCESS_MASK rw = FILE_READ_DATA | FILE_WRITE_DATA;
  return (info.granted_access & rw) == rw;
}

// The handle and the path name the same file (volume serial number and file index).
inline bool same_file(native h, const fs::path& p) {
  HANDLE other = ::CreateFileW(p.c_str(), FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                               nullptr, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
  if (other == INVALID_HANDLE_VALUE) return false;
  BY_HANDLE_FILE_INFORMATION a, b;
  const bool ok = ::GetFileInformationByHandle(reinterpret_cast<HANDLE>(h), &a) && ::GetFileInformationByHandle(other, &b);
  ::CloseHandle(other);
  return ok && a.dwVolumeSerialNumber == b.dwVolumeSerialNumber && a.nFileIndexHigh == b.nFileIndexHigh &&
         a.nFileIndexLow == b.nFileIndexLow;
}

// The file's number of names (hard links; a delete-on-close file still counts its one name).
inline unsigned link_count(native h) {
  BY_HANDLE_FILE_INFORMATION info;
  BOOST_REQUIRE(::GetFileInformationByHandle(reinterpret_cast<HANDLE>(h), &info));
  return info.nNumberOfLinks;
}

// The user's uid: none on Windows (a user is a SID there), 0.
inline unsigned current_uid() { return 0; }

// pread(2): n bytes at offset through the handle, leaving its file pointer alone. -1 on error.
inline long long read_native_at(native h, char* buf, std::size_t n, std::uint64_t offset) {
  OVERLAPPED ov{};
  ov.Offset = static_cast<DWORD>(offset);
  ov.OffsetHigh = static_cast<DWORD>(offset >> 32);
  DWORD got = 0;
  return ::ReadFile(reinterpret_cast<HANDLE>(h), buf, static_cast<DWORD>(n), &got, &ov) ? static_cast<long long>(got) : -1LL;
}

#else

// The descriptors this process has open (/proc/self/fd).
inline int open_handle_count() {
  int n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  BOOST_REQUIRE(d != nullptr);
  while (struct dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n - 1;  // the directory stream's own
}

// The descriptor is open.
inline bool handle_open(native fd) { return fd >= 0 && ::fcntl(fd, F_GETFD) >= 0; }

// A program this process executes would inherit it (no FD_CLOEXEC).
inline bool inheritable(native fd) {
  const int flags = ::fcntl(fd, F_GETFD);
  BOOST_REQUIRE(flags >= 0);
  return (flags & FD_CLOEXEC) == 0;
}

// Opened O_RDWR.
inline bool opened_read_write(native fd) { return (::fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR; }

// The descriptor and the path name the same file (device and inode; the path not followed).
inline bool same_file(native fd, const fs::path& p) {
  struct stat a, b;
  return ::fstat(fd, &a) == 0 && ::lstat(p.c_str(), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

inline unsigned current_uid() { return static_cast<unsigned>(::geteuid()); }

// The file's number of names (0: an unnamed file, O_TMPFILE).
inline unsigned link_count(native fd) {
  struct stat st;
  BOOST_REQUIRE(::fstat(fd, &st) == 0);
  return static_cast<unsigned>(st.st_nlink);
}

inline long long read_native_at(native fd, char* buf, std::size_t n, std::uint64_t offset) {
  return ::pread(fd, buf, n, static_cast<off_t>(offset));
}

#endif

}  // namespace tempfm_test

#endif
