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
int full_name(handle dir, const path_char* name, std::wstring& out) noexcept;

}  // namespace platform
}  // namespace detail
}  // namespace boost_tempfm

#endif
