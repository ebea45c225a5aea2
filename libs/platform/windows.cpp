// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
//
// The Windows backend of the platform layer (platform.hpp), with Win32 calls (libs/sources.txt:
// "windows"). Names are UTF-16 (path_char is wchar_t). A handle is a HANDLE; no_handle is nullptr.
// Operations "in a directory handle" resolve the directory's path (GetFinalPathNameByHandleW) and
// go by path: Win32 has no *at() calls. Errors are mapped to errno values (errno_of).
// windows_map.cpp has the registry's storage and the byte locks; doc/design.md, "Platforms and
// limits", says what differs from POSIX.
#include "windows_common.hpp"

#include <cerrno>
#include <cstring>
#include <cwchar>
#include <new>
#include <string>
#include <vector>

namespace boost_tempfm {
namespace detail {
namespace platform {

const char* backend_name() noexcept { return "windows"; }

const boost::system::error_category& errno_category() noexcept { return boost::system::generic_category(); }

int errno_of(unsigned long err) noexcept {
  switch (err) {
    case ERROR_SUCCESS: return 0;
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH: return ENOENT;
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS: return EEXIST;
    case ERROR_ACCESS_DENIED:
    case ERROR_WRITE_PROTECT: return EACCES;
    case ERROR_SHARING_VIOLATION:
    case ERROR_BUSY: return EBUSY;
    case ERROR_LOCK_VIOLATION: return EAGAIN;
    case ERROR_DIR_NOT_EMPTY: return ENOTEMPTY;
    case ERROR_NOT_SAME_DEVICE: return EXDEV;
    case ERROR_DIRECTORY: return ENOTDIR;
    case ERROR_CANT_RESOLVE_FILENAME: return ELOOP;
    case ERROR_FILENAME_EXCED_RANGE: return ENAMETOOLONG;
    case ERROR_INVALID_HANDLE: return EBADF;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY: return ENOMEM;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL: return ENOSPC;
    case ERROR_NOT_SUPPORTED:
    case ERROR_CALL_NOT_IMPLEMENTED: return EOPNOTSUPP;
    case ERROR_INVALID_NAME:
    case ERROR_INVALID_PARAMETER: return EINVAL;
    case ERROR_TOO_MANY_OPEN_FILES: return EMFILE;
    default: return EIO;
  }
}

int last_errno() noexcept { return errno_of(::GetLastError()); }

std::string utf8_of(const wchar_t* s, std::size_t n) {
  std::string out;
  if (n == 0) return out;
  const int len = static_cast<int>(n);
  const int need = ::WideCharToMultiByte(CP_UTF8, 0, s, len, nullptr, 0, nullptr, nullptr);
  if (need <= 0) throw std::bad_alloc();
  out.resize(static_cast<std::size_t>(need));
  ::WideCharToMultiByte(CP_UTF8, 0, s, len, &out[0], need, nullptr, nullptr);
  return out;
}

std::wstring wide_of_utf8(const std::string& s) {
  std::wstring out;
  if (s.empty()) return out;
  const int len = static_cast<int>(s.size());
  const int need = ::MultiByteToWideChar(CP_UTF8, 0, s.data(), len, nullptr, 0);
  if (need <= 0) throw std::bad_alloc();
  out.resize(static_cast<std::size_t>(need));
  ::MultiByteToWideChar(CP_UTF8, 0, s.data(), len, &out[0], need);
  return out;
}

namespace {

bool starts_with(const std::wstring& s, const wchar_t* prefix) noexcept {
  return s.compare(0, std::wcslen(prefix), prefix) == 0;
}

// The NT name of the object h (NtQueryObject, ObjectNameInformation) as a Win32 path: wine's
// "\??\C:\dir" as "\\?\C:\dir"; Windows' "\Device\HarddiskVolume3\dir" through
// "\\?\GLOBALROOT". 0 or an errno value.
int nt_name_of(handle h, std::wstring& out) {
  struct unicode_string {
    USHORT Length;
    USHORT MaximumLength;
    PWSTR Buffer;
  };
  using query_fn = LONG(WINAPI*)(HANDLE, int, void*, ULONG, ULONG*);
  static const auto query = reinterpret_cast<query_fn>(
      reinterpret_cast<void*>(::GetProcAddress(::GetModuleHandleW(L"ntdll.dll"), "NtQueryObject")));
  if (!query) return EOPNOTSUPP;
  constexpr int object_name_information = 1;
  // The name follows the UNICODE_STRING in the buffer; at most 65535 bytes.
  std::vector<std::uint64_t> buf((sizeof(unicode_string) + 65536 + 7) / 8);
  ULONG got = 0;
  if (query(h, object_name_information, buf.data(), static_cast<ULONG>(buf.size() * 8), &got) < 0) return EIO;
  const auto* name = reinterpret_cast<const unicode_string*>(buf.data());
  std::wstring nt(name->Buffer, name->Length / sizeof(wchar_t));
  if (nt.empty()) return ENOENT;
  if (starts_with(nt, L"\\??\\"))
    out = L"\\\\?\\" + nt.substr(4);
  else
    out = L"\\\\?\\GLOBALROOT" + nt;
  return 0;
}

// The path of the object h, in the \\?\ form: GetFinalPathNameByHandleW, or where that fails for a
// path longer than MAX_PATH (wine 8 answers ERROR_MORE_DATA whatever the buffer), its NT name.
int path_of_handle(handle h, std::wstring& out) {
  std::wstring buf(1024, L'\0');
  for (int attempt = 0; attempt < 4; ++attempt) {
    const DWORD n =
        ::GetFinalPathNameByHandleW(h, &buf[0], static_cast<DWORD>(buf.size()), FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
    if (n == 0) {
      const DWORD e = ::GetLastError();
      if (e == ERROR_MORE_DATA || e == ERROR_NOT_ENOUGH_MEMORY) return nt_name_of(h, out);
      return errno_of(e);
    }
    if (n < buf.size()) {  // the length, without the terminating null
      buf.resize(n);
      out = std::move(buf);
      return 0;
    }
    buf.assign(std::size_t(n) + 1, L'\0');  // too small: n is the size needed, null included
  }
  return nt_name_of(h, out);
}

}  // namespace

int win32_path(const path_char* path, std::wstring& out) noexcept {
  try {
    out = path;
    if (out.empty() || starts_with(out, L"\\\\?\\") || starts_with(out, L"\\\\.\\")) return 0;
    DWORD n = ::GetFullPathNameW(path, 0, nullptr, nullptr);
    if (n == 0) return last_errno();
    std::wstring full(n, L'\0');
    n = ::GetFullPathNameW(path, n, &full[0], nullptr);
    if (n == 0 || n >= full.size()) return n == 0 ? last_errno() : EIO;
    full.resize(n);
    if (starts_with(full, L"\\\\?\\") || starts_with(full, L"\\\\.\\"))  // a device: NUL -> \\.\NUL
      out = std::move(full);
    else if (starts_with(full, L"\\\\"))  // \\server\share\x
      out = L"\\\\?\\UNC\\" + full.substr(2);
    else if (full.size() >= 3 && full[1] == L':' && full[2] == L'\\')  // C:\x
      out = L"\\\\?\\" + full;
    else
      out = std::move(full);
    return 0;
  } catch (...) {
    return ENOMEM;
  }
}

int full_name(handle dir, const path_char* name, std::wstring& out) noexcept {
  try {
    if (dir == no_handle) return win32_path(name, out);
    if (int err = path_of_handle(dir, out)) return err;
    if (!out.empty() && out.back() != L'\\') out += L'\\';
    out += name;
    return 0;
  } catch (...) {
    return ENOMEM;
  }
}

namespace {

constexpr DWORD share_all = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;

// Opens `name` in dir; never follows a final reparse point (FILE_FLAG_OPEN_REPARSE_POINT).
int open_at(handle dir, const path_char* name, DWORD access, DWORD disposition, DWORD flags, handle& out) noexcept {
  std::wstring full;
  if (int err = full_name(dir, name, full)) return err;
  SECURITY_ATTRIBUTES sa{sizeof(SECURITY_ATTRIBUTES), nullptr, FALSE};  // never inherited
  HANDLE h = ::CreateFileW(full.c_str(), access, share_all, &sa, disposition, flags | FILE_FLAG_OPEN_REPARSE_POINT,
                           nullptr);
  if (h == INVALID_HANDLE_VALUE) return last_errno();
  out = h;
  return 0;
}

int info_of(handle h, BY_HANDLE_FILE_INFORMATION& info) noexcept {
  return ::GetFileInformationByHandle(h, &info) ? 0 : last_errno();
}

bool is_reparse(DWORD attrs) noexcept { return (attrs & FILE_ATTRIBUTE_REPARSE_POINT) != 0; }

// Opens an existing `name` in dir like open_at and reads its attributes. A directory that its
// path's attributes (GetFileAttributesW) call a reparse point is one, whatever its handle says:
// wine 8 lists a Unix symlink to a directory as a reparse point but opens it as the directory it
// points to, so by handle alone a tree walk would descend into the target. On Windows both agree.
int open_existing_at(handle dir, const path_char* name, DWORD access, handle& out,
                     BY_HANDLE_FILE_INFORMATION& info) noexcept {
  std::wstring full;
  if (int err = full_name(dir, name, full)) return err;
  handle h = no_handle;
  if (int err = open_at(no_handle, full.c_str(), access, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, h)) return err;
  if (int err = info_of(h, info)) {
    ::CloseHandle(h);
    return err;
  }
  if ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) && !is_reparse(info.dwFileAttributes)) {
    const DWORD by_name = ::GetFileAttributesW(full.c_str());
    if (by_name != INVALID_FILE_ATTRIBUTES && is_reparse(by_name)) info.dwFileAttributes |= FILE_ATTRIBUTE_REPARSE_POINT;
  }
  out = h;
  return 0;
}

}  // namespace

int close(handle h) noexcept {
  if (h == no_handle) return 0;
  return ::CloseHandle(h) ? 0 : last_errno();
}

int create_file(handle dir, const path_char* name, unsigned mode, handle* out) noexcept {
  // CREATE_NEW fails on any existing name, a dangling symlink included (ERROR_FILE_EXISTS).
  // FILE_SHARE_DELETE: the file can be removed (and renamed) while it is open.
  handle h = no_handle;
  const DWORD attrs = (mode & 0200u) ? FILE_ATTRIBUTE_NORMAL : FILE_ATTRIBUTE_READONLY;
  if (int err = open_at(dir, name, GENERIC_READ | GENERIC_WRITE | DELETE, CREATE_NEW, attrs, h)) return err;
  if (out)
    *out = h;
  else
    ::CloseHandle(h);
  return 0;
}

int create_dir(handle dir, const path_char* name, unsigned) noexcept {
  std::wstring full;
  if (int err = full_name(dir, name, full)) return err;
  return ::CreateDirectoryW(full.c_str(), nullptr) ? 0 : last_errno();
}

int remove_name(handle dir, const path_char* name, bool is_dir) noexcept {
  // Opened without following a reparse point, so a junction or symlink is removed itself, and
  // removed through its handle (FILE_DISPOSITION_INFO); a read-only file loses the attribute first.
  handle h = no_handle;
  BY_HANDLE_FILE_INFORMATION info;
  int err = open_existing_at(dir, name, DELETE | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES, h, info);
  if (err) return err;
  const bool dir_obj = (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
  const bool link = is_reparse(info.dwFileAttributes);
  if (dir_obj && !link && !is_dir) err = EISDIR;
  else if (!dir_obj && is_dir) err = ENOTDIR;
  if (err == 0) {
    // POSIX semantics (Windows 10 1709+, NTFS): the name goes at once even while the file is open
    // elsewhere; read-only ignored. Else the classic delete-on-last-close, after clearing the
    // read-only attribute: an open file's name stays (delete pending) until its last handle closes.
    FILE_DISPOSITION_INFO_EX ex{FILE_DISPOSITION_FLAG_DELETE | FILE_DISPOSITION_FLAG_POSIX_SEMANTICS |
                                FILE_DISPOSITION_FLAG_IGNORE_READONLY_ATTRIBUTE};
    const auto disposition_ex = static_cast<FILE_INFO_BY_HANDLE_CLASS>(21);  // FileDispositionInfoEx
    if (!::SetFileInformationByHandle(h, disposition_ex, &ex, sizeof ex)) {
      if (info.dwFileAttributes & FILE_ATTRIBUTE_READONLY) {
        FILE_BASIC_INFO basic{};  // times of zero: unchanged
        const DWORD attrs = info.dwFileAttributes & ~DWORD(FILE_ATTRIBUTE_READONLY);
        basic.FileAttributes = attrs != 0 ? attrs : FILE_ATTRIBUTE_NORMAL;
        (void)::SetFileInformationByHandle(h, FileBasicInfo, &basic, sizeof basic);
      }
      FILE_DISPOSITION_INFO del{TRUE};
      if (!::SetFileInformationByHandle(h, FileDispositionInfo, &del, sizeof del)) {
        const DWORD e = ::GetLastError();
        // A link the system deletes as the directory it points to (wine 8, a Unix symlink): it
        // cannot be removed as itself here, and its target is never touched.
        err = link && dir_obj && e == ERROR_DIR_NOT_EMPTY ? EPERM : errno_of(e);
      }
    }
  }
  ::CloseHandle(h);
  return err;
}

int open_dir_at(handle dir, const path_char* name, handle& out) noexcept {
  handle h = no_handle;
  BY_HANDLE_FILE_INFORMATION info;
  int err = open_existing_at(dir, name, GENERIC_READ | FILE_WRITE_ATTRIBUTES | DELETE, h, info);
  if (err) return err;
  if (is_reparse(info.dwFileAttributes)) err = ELOOP;
  if (err == 0 && !(info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) err = ENOTDIR;
  if (err) {
    ::CloseHandle(h);
    return err;
  }
  out = h;
  return 0;
}

int open_dir_for_sync(const path_char* path, handle& out) noexcept {
  std::wstring full;
  if (int err = win32_path(path, full)) return err;
  HANDLE h = ::CreateFileW(full.c_str(), GENERIC_READ, share_all, nullptr, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr);
  if (h == INVALID_HANDLE_VALUE) return last_errno();
  out = h;
  return 0;
}

namespace {
// Opens the file name in dir (open_at's access and disposition), refusing a reparse point (ELOOP).
int open_regular_at(handle dir, const path_char* name, DWORD access, DWORD disposition, handle& out) noexcept {
  handle h = no_handle;
  if (int err = open_at(dir, name, access, disposition, FILE_ATTRIBUTE_NORMAL, h)) return err;
  BY_HANDLE_FILE_INFORMATION info;
  int err = info_of(h, info);
  if (err == 0 && is_reparse(info.dwFileAttributes)) err = ELOOP;
  if (err) {
    ::CloseHandle(h);
    return err;
  }
  out = h;
  return 0;
}
}  // namespace

int open_file_read(handle dir, const path_char* name, handle& out) noexcept {
  return open_regular_at(dir, name, GENERIC_READ, OPEN_EXISTING, out);
}

int open_or_create_file(handle dir, const path_char* name, unsigned, handle& out) noexcept {
  return open_regular_at(dir, name, GENERIC_READ | GENERIC_WRITE, OPEN_ALWAYS, out);
}

int set_mode(handle h, unsigned mode) noexcept {
  // Only the read-only attribute follows the mode (the owner's write bit); a directory keeps none.
  BY_HANDLE_FILE_INFORMATION info;
  if (int err = info_of(h, info)) return err;
  if (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) return 0;
  DWORD attrs = info.dwFileAttributes & ~DWORD(FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_NORMAL);
  if (!(mode & 0200u)) attrs |= FILE_ATTRIBUTE_READONLY;
  if (attrs == 0) attrs = FILE_ATTRIBUTE_NORMAL;
  FILE_BASIC_INFO basic{};
  basic.FileAttributes = attrs;
  return ::SetFileInformationByHandle(h, FileBasicInfo, &basic, sizeof basic) ? 0 : last_errno();
}

namespace {
void status_from(const BY_HANDLE_FILE_INFORMATION& info, file_status& st) noexcept {
  st.is_symlink = is_reparse(info.dwFileAttributes);
  st.is_dir = !st.is_symlink && (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
  st.is_regular = !st.is_symlink && !st.is_dir;
  st.size = (std::uint64_t(info.nFileSizeHigh) << 32) | info.nFileSizeLow;
  // Private to the owner: the root's DACL is checked instead (windows_root.cpp).
  st.mode = st.is_dir ? 0700u : (info.dwFileAttributes & FILE_ATTRIBUTE_READONLY) ? 0400u : 0600u;
  st.owner = 0;
  st.dev = info.dwVolumeSerialNumber;
  st.ino = (std::uint64_t(info.nFileIndexHigh) << 32) | info.nFileIndexLow;
}
}  // namespace

int status_at(handle dir, const path_char* name, file_status& st) noexcept {
  handle h = no_handle;
  BY_HANDLE_FILE_INFORMATION info;
  if (int err = open_existing_at(dir, name, FILE_READ_ATTRIBUTES, h, info)) return err;
  ::CloseHandle(h);
  status_from(info, st);
  return 0;
}

int status_of(handle h, file_status& st) noexcept {
  BY_HANDLE_FILE_INFORMATION info;
  if (int err = info_of(h, info)) return err;
  status_from(info, st);
  return 0;
}

int sync(handle h) noexcept {
  if (::FlushFileBuffers(h)) return 0;
  const DWORD e = ::GetLastError();
  // A directory (opened for reading) cannot be flushed; NTFS orders its own metadata.
  return e == ERROR_ACCESS_DENIED || e == ERROR_INVALID_HANDLE ? 0 : errno_of(e);
}

int read_at(handle h, void* buf, std::size_t n, std::uint64_t offset, std::size_t& got) noexcept {
  OVERLAPPED ov{};
  ov.Offset = static_cast<DWORD>(offset);
  ov.OffsetHigh = static_cast<DWORD>(offset >> 32);
  DWORD r = 0;
  const DWORD want = n > 0x40000000u ? 0x40000000u : static_cast<DWORD>(n);
  if (!::ReadFile(h, buf, want, &r, &ov)) {
    if (::GetLastError() == ERROR_HANDLE_EOF) {
      got = 0;
      return 0;
    }
    return last_errno();
  }
  got = r;
  return 0;
}

int write_all(handle h, const void* buf, std::size_t n) noexcept {
  const char* p = static_cast<const char*>(buf);
  while (n > 0) {
    DWORD w = 0;
    const DWORD chunk = n > 0x40000000u ? 0x40000000u : static_cast<DWORD>(n);
    if (!::WriteFile(h, p, chunk, &w, nullptr)) return last_errno();
    p += w;
    n -= w;
  }
  return 0;
}

int tell(handle h, std::uint64_t& offset) noexcept {
  LARGE_INTEGER zero{}, pos{};
  if (!::SetFilePointerEx(h, zero, &pos, FILE_CURRENT)) return last_errno();
  offset = static_cast<std::uint64_t>(pos.QuadPart);
  return 0;
}

int seek(handle h, std::uint64_t offset) noexcept {
  LARGE_INTEGER to{};
  to.QuadPart = static_cast<LONGLONG>(offset);
  return ::SetFilePointerEx(h, to, nullptr, FILE_BEGIN) ? 0 : last_errno();
}

namespace {
int move(handle src_dir, const path_char* src, handle dst_dir, const path_char* dst, DWORD flags) noexcept {
  std::wstring s, d;
  if (int err = full_name(src_dir, src, s)) return err;
  if (int err = full_name(dst_dir, dst, d)) return err;
  return ::MoveFileExW(s.c_str(), d.c_str(), flags) ? 0 : last_errno();
}
}  // namespace

int rename_at(handle src_dir, const path_char* src, handle dst_dir, const path_char* dst) noexcept {
  return move(src_dir, src, dst_dir, dst, MOVEFILE_REPLACE_EXISTING);
}

int rename_no_replace(handle src_dir, const path_char* src, handle dst_dir, const path_char* dst) noexcept {
  // MoveFileExW without MOVEFILE_REPLACE_EXISTING never replaces: atomic, EEXIST if dst exists.
  return move(src_dir, src, dst_dir, dst, 0);
}

int copy_in_kernel(handle, handle, std::uint64_t& copied) noexcept {
  copied = 0;
  return EOPNOTSUPP;
}

std::size_t name_max(const path_char*) noexcept { return 255; }
std::size_t name_max_of_handle(handle) noexcept { return 255; }

std::uint32_t process_id() noexcept { return static_cast<std::uint32_t>(::GetCurrentProcessId()); }
std::uint64_t user_id() noexcept { return 0; }

int open_dir_ref(const path_char* path, handle& out) noexcept {
  std::wstring full;
  if (int err = win32_path(path, full)) return err;
  HANDLE h = ::CreateFileW(full.c_str(), FILE_READ_ATTRIBUTES | FILE_LIST_DIRECTORY, share_all, nullptr, OPEN_EXISTING,
                           FILE_FLAG_BACKUP_SEMANTICS, nullptr);
  if (h == INVALID_HANDLE_VALUE) return last_errno();
  out = h;
  return 0;
}

int make_dir_private(handle parent, const path_char* name, std::uint64_t, bool& mount) noexcept {
  // No modes to give: what stops a removal is the read-only attribute, cleared on the directory
  // itself (opened without following a reparse point).
  mount = false;
  handle h = no_handle;
  if (int err = open_dir_at(parent, name, h)) return err;
  const int err = set_mode(h, 0700);
  ::CloseHandle(h);
  return err;
}

bool is_mount_point(handle parent, handle dir, std::uint64_t) noexcept {
  // Another volume (or a mounted folder, which is a reparse point and never entered).
  BY_HANDLE_FILE_INFORMATION a, b;
  if (info_of(parent, a) != 0 || info_of(dir, b) != 0) return false;
  return a.dwVolumeSerialNumber != b.dwVolumeSerialNumber;
}

const char* network_fs_name(const path_char* path) noexcept {
  wchar_t root[MAX_PATH + 1];
  if (!::GetVolumePathNameW(path, root, MAX_PATH + 1)) return nullptr;
  return ::GetDriveTypeW(root) == DRIVE_REMOTE ? "a network drive (SMB)" : nullptr;
}

namespace {
void identity_from(const BY_HANDLE_FILE_INFORMATION& info, format::identity& id) noexcept {
  id.dev = info.dwVolumeSerialNumber;
  id.ino = (std::uint64_t(info.nFileIndexHigh) << 32) | info.nFileIndexLow;
  const std::uint64_t t = (std::uint64_t(info.ftCreationTime.dwHighDateTime) << 32) | info.ftCreationTime.dwLowDateTime;
  id.btime_sec = static_cast<std::int64_t>(t / 10000000u);
  id.btime_nsec = static_cast<std::uint32_t>((t % 10000000u) * 100u);
  id.handle = 0;
}
}  // namespace

int identity_of(const path_char* path, format::identity& id, bool* is_dir) noexcept {
  handle h = no_handle;
  if (int err = open_at(no_handle, path, FILE_READ_ATTRIBUTES, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, h))
    return err;
  BY_HANDLE_FILE_INFORMATION info;
  const int err = info_of(h, info);
  ::CloseHandle(h);
  if (err) return err;
  identity_from(info, id);
  if (is_dir) *is_dir = (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) && !is_reparse(info.dwFileAttributes);
  return 0;
}

int identity_of_handle(handle h, format::identity& id, unsigned* mode) noexcept {
  BY_HANDLE_FILE_INFORMATION info;
  if (int err = info_of(h, info)) return err;
  identity_from(info, id);
  if (mode) {
    file_status st;
    status_from(info, st);
    *mode = st.mode;
  }
  return 0;
}

int random_bytes(void* buf, std::size_t n) noexcept {
  if (n > 256) return EINVAL;
  const long status = ::BCryptGenRandom(nullptr, static_cast<PUCHAR>(buf), static_cast<ULONG>(n),
                                        BCRYPT_USE_SYSTEM_PREFERRED_RNG);
  return status == 0 ? 0 : EIO;
}

void boot_id(std::uint8_t out[16]) noexcept {
  // The boot counter Windows keeps (what Boost.Interprocess reads too; a fresh wine prefix lacks it
  // until .ci/mingw/wine-run sets it). Missing: all zero (unknown).
  std::memset(out, 0, 16);
  DWORD value = 0, size = sizeof value;
  if (::RegGetValueW(HKEY_LOCAL_MACHINE,
                     L"SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Memory Management\\PrefetchParameters",
                     L"BootId", RRF_RT_REG_DWORD, nullptr, &value, &size) != ERROR_SUCCESS)
    return;
  for (int i = 0; i < 4; ++i) out[i] = static_cast<std::uint8_t>(value >> (8 * i));
  std::memcpy(out + 8, "windows", 7);
}

std::uint64_t pid_namespace() noexcept { return 0; }

int at_fork(void (*)(), void (*)(), void (*)()) noexcept { return 0; }  // no fork on Windows

int process_start_time(std::uint32_t, std::uint64_t&, bool&) noexcept { return ENOSYS; }  // 0.1 never ran here

void remove_legacy_semaphore(const char*) noexcept {}

}  // namespace platform
}  // namespace detail
}  // namespace boost_tempfm
