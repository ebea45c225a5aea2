// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
//
// Unnamed files on Windows (libs/sources.txt: "windows"). Win32 has no O_TMPFILE: the nearest is a
// file created under a random name with FILE_FLAG_DELETE_ON_CLOSE, which the system deletes when
// its last handle closes, whoever closes it: the process, its exit, or TerminateProcess (checked
// under wine: nothing is left after a child is killed, test_unnamed). The name stays in the
// directory while the handle is open (hidden, FILE_ATTRIBUTE_TEMPORARY: kept in the cache where
// possible); nobody else can open it meanwhile (share mode: delete only). Win32 cannot give an open
// file a name, so link_open_file is EOPNOTSUPP (doc/design.md, "Platforms and limits").
#include "windows_common.hpp"

#include <cerrno>
#include <cstdint>
#include <string>

namespace boost_tempfm {
namespace detail {
namespace platform {

int link_open_file(handle, const path_char*) noexcept { return EOPNOTSUPP; }  // Win32 cannot name an open file

int open_unnamed(handle dir, unsigned, handle& out) noexcept {
  try {
    static const wchar_t hex[] = L"0123456789abcdef";
    int err = EEXIST;
    for (int attempt = 0; attempt < 100 && err == EEXIST; ++attempt) {
      unsigned char bits[8];
      if ((err = random_bytes(bits, sizeof bits)) != 0) return err;
      std::wstring name = L"tempfm-unnamed-";
      for (unsigned char b : bits) {
        name += hex[b >> 4];
        name += hex[b & 15];
      }
      name += L".tmp";
      std::wstring full;
      if ((err = full_name(dir, name.c_str(), full)) != 0) return err;
      SECURITY_ATTRIBUTES sa{sizeof(SECURITY_ATTRIBUTES), nullptr, FALSE};  // never inherited
      HANDLE h = ::CreateFileW(full.c_str(), GENERIC_READ | GENERIC_WRITE | DELETE, FILE_SHARE_DELETE, &sa, CREATE_NEW,
                               FILE_ATTRIBUTE_TEMPORARY | FILE_ATTRIBUTE_HIDDEN | FILE_FLAG_DELETE_ON_CLOSE, nullptr);
      if (h == INVALID_HANDLE_VALUE) {
        err = last_errno();
        continue;
      }
      out = h;
      return 0;
    }
    return err;
  } catch (...) {
    return ENOMEM;
  }
}

}  // namespace platform
}  // namespace detail
}  // namespace boost_tempfm
