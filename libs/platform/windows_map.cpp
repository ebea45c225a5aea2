// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
//
// The Windows backend's registry storage (platform.hpp) and byte locks (detail/byte_lock.hpp).
//
// Mapping: the registry reserves address space once and maps more of the file into it as it grows,
// in place. Here the reservation is one VirtualAlloc per 64 KiB unit (the allocation granularity),
// and a unit is released and mapped (MapViewOfFileEx at that address) when the file reaches it;
// views are whole units, so the registry keeps its capacity a multiple of 8 blocks
// (platform::map_granularity). Between the release and the map another thread of the process could
// take the address: the map then fails with an error, never maps elsewhere.
//
// Locks: LockFileEx on one byte, exclusive. The system releases a process's locks when it ends,
// which is what makes a lease exact. They belong to the handle (registry.cpp opens the locks file
// once per process and root); a second lock of a byte already locked through the same handle fails
// like another process's, so held_by_other() cannot tell the two apart (callers only ask about
// blocks that are not theirs). Unlocking must name exactly a locked range: a range is unlocked
// byte by byte.
#include "windows_common.hpp"

#include "../detail/byte_lock.hpp"

#include <cerrno>
#include <cstring>


namespace boost_tempfm {
namespace detail {
namespace platform {

namespace {

constexpr std::size_t unit = 65536;  // the allocation granularity: where a view may start

}  // namespace

std::size_t map_granularity() noexcept { return unit; }

int allocate(handle f, std::uint64_t offset, std::uint64_t length) noexcept {
  // Grows the file to offset + length (never shrinks it): the new bytes read as zeros.
  LARGE_INTEGER size{};
  if (!::GetFileSizeEx(f, &size)) return last_errno();
  const std::uint64_t end = offset + length;
  if (static_cast<std::uint64_t>(size.QuadPart) >= end) return 0;
  FILE_END_OF_FILE_INFO eof{};
  eof.EndOfFile.QuadPart = static_cast<LONGLONG>(end);
  if (!::SetFileInformationByHandle(f, FileEndOfFileInfo, &eof, sizeof eof)) return last_errno();
  FILE_ALLOCATION_INFO alloc{};
  alloc.AllocationSize.QuadPart = static_cast<LONGLONG>(end);
  (void)::SetFileInformationByHandle(f, FileAllocationInfo, &alloc, sizeof alloc);  // a hint
  return 0;
}

void* reserve_address_space(std::size_t bytes, int* err) noexcept {
  // A reservation of its own per unit, so that each can be released and replaced by a view of the
  // file at that very address (placeholders would do it in one, but wine 8 has none). Where another
  // thread takes an address meanwhile, it starts again elsewhere.
  const std::size_t units = (bytes + unit - 1) / unit;
  for (int attempt = 0; attempt < 8; ++attempt) {
    char* base = static_cast<char*>(::VirtualAlloc(nullptr, units * unit, MEM_RESERVE, PAGE_NOACCESS));
    if (!base) break;
    ::VirtualFree(base, 0, MEM_RELEASE);
    std::size_t done = 0;
    while (done < units && ::VirtualAlloc(base + done * unit, unit, MEM_RESERVE, PAGE_NOACCESS)) ++done;
    if (done == units) return base;
    for (std::size_t i = 0; i < done; ++i) ::VirtualFree(base + i * unit, 0, MEM_RELEASE);
  }
  if (err) *err = ENOMEM;
  return nullptr;
}

int map_shared_at(void* at, std::size_t bytes, handle f, std::uint64_t offset) noexcept {
  // Whole units: [offset, offset + bytes) rounded out to the units that hold it; a unit already
  // mapped (by an earlier call) stays as it is. `at` and `offset` lie at the same distance from the
  // start of the reservation and of the file.
  const std::uint64_t first = offset / unit * unit;
  const std::uint64_t end = (offset + bytes + unit - 1) / unit * unit;
  char* const base = static_cast<char*>(at) - (offset - first);
  HANDLE m = ::CreateFileMappingW(f, nullptr, PAGE_READWRITE, static_cast<DWORD>(end >> 32), static_cast<DWORD>(end),
                                  nullptr);
  if (!m) return last_errno();
  int err = 0;
  for (std::uint64_t o = first; o < end && err == 0; o += unit) {
    char* const addr = base + (o - first);
    MEMORY_BASIC_INFORMATION mi;
    if (::VirtualQuery(addr, &mi, sizeof mi) == 0) {
      err = last_errno();
      break;
    }
    if (mi.Type == MEM_MAPPED) continue;  // mapped before
    ::VirtualFree(addr, 0, MEM_RELEASE);
    if (!::MapViewOfFileEx(m, FILE_MAP_READ | FILE_MAP_WRITE, static_cast<DWORD>(o >> 32), static_cast<DWORD>(o), unit,
                           addr))
      err = last_errno();
  }
  ::CloseHandle(m);  // the views keep the mapping
  return err;
}

void release_address_space(void* at, std::size_t bytes) noexcept {
  // Each unit is a view (unmapped) or a reservation of its own (released).
  if (!at) return;
  char* const base = static_cast<char*>(at);
  for (std::size_t o = 0; o < bytes; o += unit) {
    MEMORY_BASIC_INFORMATION mi;
    if (::VirtualQuery(base + o, &mi, sizeof mi) == 0 || mi.State == MEM_FREE) continue;
    if (mi.Type == MEM_MAPPED)
      (void)::UnmapViewOfFile(mi.AllocationBase);
    else
      (void)::VirtualFree(mi.AllocationBase, 0, MEM_RELEASE);
  }
}

void prefault(void*, std::size_t) noexcept {}

}  // namespace platform

namespace byte_lock {

namespace {
int lock_byte(handle fd, std::uint64_t offset, DWORD flags, bool& got) noexcept {
  OVERLAPPED ov{};
  ov.Offset = static_cast<DWORD>(offset);
  ov.OffsetHigh = static_cast<DWORD>(offset >> 32);
  got = ::LockFileEx(fd, LOCKFILE_EXCLUSIVE_LOCK | flags, 0, 1, 0, &ov) != 0;
  if (got) return 0;
  const DWORD e = ::GetLastError();
  return e == ERROR_LOCK_VIOLATION || e == ERROR_IO_PENDING ? 0 : platform::errno_of(e);
}
}  // namespace

int lock(handle fd, std::uint64_t offset) noexcept {
  bool got = false;
  const int err = lock_byte(fd, offset, 0, got);
  return err ? err : got ? 0 : EDEADLK;
}

int try_lock(handle fd, std::uint64_t offset, bool& got) noexcept {
  return lock_byte(fd, offset, LOCKFILE_FAIL_IMMEDIATELY, got);
}

int unlock(handle fd, std::uint64_t offset, std::uint64_t length) noexcept {
  for (std::uint64_t b = offset; b < offset + length; ++b) {
    OVERLAPPED ov{};
    ov.Offset = static_cast<DWORD>(b);
    ov.OffsetHigh = static_cast<DWORD>(b >> 32);
    (void)::UnlockFileEx(fd, 0, 1, 0, &ov);  // bytes not locked: nothing to do
  }
  return 0;
}

int held_by_other(handle fd, std::uint64_t offset, bool& held, std::uint32_t* holder) noexcept {
  if (holder) *holder = 0;  // Windows does not say who
  bool got = false;
  const int err = lock_byte(fd, offset, LOCKFILE_FAIL_IMMEDIATELY, got);
  held = err == 0 && !got;
  if (got) (void)unlock(fd, offset, 1);
  return err;
}

}  // namespace byte_lock
}  // namespace detail
}  // namespace boost_tempfm
