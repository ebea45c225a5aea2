// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_CONFIG_HPP
#define BOOST_TEMPFM_CONFIG_HPP

#define BOOST_TEMPFM_VERSION_MAJOR 0
#define BOOST_TEMPFM_VERSION_MINOR 3
#define BOOST_TEMPFM_VERSION_PATCH 0
// MMmmpp, like BOOST_VERSION.
#define BOOST_TEMPFM_VERSION \
  (BOOST_TEMPFM_VERSION_MAJOR * 10000 + BOOST_TEMPFM_VERSION_MINOR * 100 + BOOST_TEMPFM_VERSION_PATCH)

// The shared library is built with -fvisibility=hidden; BOOST_TEMPFM_DECL marks the public ABI.
// On Windows the DLL (b2 link=shared: boost_tempfm.dll) exports it, and its users import it:
// BOOST_TEMPFM_DYN_LINK, a usage requirement of the DLL, with BOOST_TEMPFM_SOURCE while building it.
#if defined(_WIN32) && defined(BOOST_TEMPFM_DYN_LINK)
#ifdef BOOST_TEMPFM_SOURCE
#define BOOST_TEMPFM_DECL __declspec(dllexport)
#else
#define BOOST_TEMPFM_DECL __declspec(dllimport)
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define BOOST_TEMPFM_DECL __attribute__((visibility("default")))
#else
#define BOOST_TEMPFM_DECL
#endif

namespace boost_tempfm {
// An open file as the system names it: a descriptor on POSIX systems, a HANDLE on Windows (the one
// platform switch outside libs/platform). no_native_handle: none (on Windows nullptr, which no
// successful CreateFileW returns; INVALID_HANDLE_VALUE never reaches a handle).
#ifdef _WIN32
using native_handle_type = void*;
constexpr native_handle_type no_native_handle = nullptr;
#else
using native_handle_type = int;
constexpr native_handle_type no_native_handle = -1;
#endif
}  // namespace boost_tempfm

#endif  // BOOST_TEMPFM_CONFIG_HPP
