// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LIBS_FILE_IDENTITY_HPP
#define BOOST_TEMPFM_LIBS_FILE_IDENTITY_HPP

#include "../platform/platform.hpp"
#include "registry_format.hpp"

namespace boost_tempfm {
namespace detail {

// What pins the object at a path (never following a final symlink): device, inode, birth time
// (0 where the filesystem records none) and the kernel's file handle (inode and generation; 0
// where the filesystem has none). platform::identity_of says what each backend records. Returns 0
// or the errno of the failed statx/lstat.
int identity_of(const platform::path_char* path, format::identity& id, bool* is_dir = nullptr) noexcept;
// The same for the object an open descriptor names (what was just created, without a path walk);
// mode (if given) receives its permission bits.
int identity_of_fd(platform::handle fd, format::identity& id, unsigned* mode = nullptr) noexcept;

// True if the object recorded in `then` is the one seen `now`: same device and inode, and the same
// birth time and file handle where both were recorded (an inode number reused by a new file has a
// new generation, and a new birth time unless made within the same clock tick).
bool same_object(const format::identity& then, const format::identity& now) noexcept;

}  // namespace detail
}  // namespace boost_tempfm

#endif
