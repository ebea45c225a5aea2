// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LIBS_PLATFORM_WINDOWS_COMMON_HPP
#define BOOST_TEMPFM_LIBS_PLATFORM_WINDOWS_COMMON_HPP

// What the files of the Windows backend (windows*.cpp) share; included by them only.

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#include <bcrypt.h>

#include "platform.hpp"

#include <string>

namespace boost_tempfm {
namespace detail {
namespace platform {

// A Win32 error code as an errno value (EIO for codes without one).
int errno_of(unsigned long err) noexcept;
// errno_of(GetLastError()).
int last_errno() noexcept;
// The path of `name` in the directory dir (name itself with no_handle): Win32 has no *at() calls.
// In the form win32_path gives, for the Win32 calls.
int full_name(handle dir, const path_char* name, std::wstring& out) noexcept;
// path as the Win32 calls of this backend take it: an absolute path (a relative one is made
// absolute) in the \\?\ form, normalised first as Win32 itself would (GetFullPathNameW: '/' made
// '\', "." and ".." resolved), so that paths longer than MAX_PATH (260) work: without the prefix
// CreateFileW, CreateDirectoryW, MoveFileExW refuse them. A \\?\ or \\.\ path stays as it is;
// an empty one too (the call then fails as before).
int win32_path(const path_char* path, std::wstring& out) noexcept;

}  // namespace platform
}  // namespace detail
}  // namespace boost_tempfm

#endif
