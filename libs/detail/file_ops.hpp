// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LIBS_FILE_OPS_HPP
#define BOOST_TEMPFM_LIBS_FILE_OPS_HPP

// The platform calls behind persist, commit, link_to and unnamed files. Each returns 0 or an errno
// value and retries EINTR.

#include "../platform/platform.hpp"

#include <boost/filesystem/path.hpp>

#include <cstddef>
#include <string>

namespace boost_tempfm {
namespace detail {

// Where a file will be put: `dest` made absolute (the current directory is asked only for a
// relative one) and normalised, its directory and its name. Operations on it go by path, as the
// caller named it (symlinks on the way are followed): no descriptor is held.
struct dest_path {
  boost::filesystem::path dest;  // absolute, normalised
  boost::filesystem::path dir;   // dest.parent_path()
  platform::path_string leaf;    // dest.filename()
};
// EINVAL: dest is empty or names no file ("", "dir/", "."); else the errno of making it absolute.
// `what` says which.
int resolve_dest(const boost::filesystem::path& dest, dest_path& out, const char*& what);

// The longest name the filesystem of dir takes (asked only when a name turned out too long).
std::size_t name_max_of(const boost::filesystem::path& dir) noexcept;

// fsync of a directory (opened for it), so that a rename or link in it survives a crash.
int sync_dir(const boost::filesystem::path& dir) noexcept;

// Renames src to dst (each relative to its *_at handle, or a path of its own with platform::no_handle).
// no_clobber: EEXIST if dst exists (platform::rename_no_replace: renameat2 RENAME_NOREPLACE on
// Linux, linkat + unlinkat elsewhere or where the filesystem lacks it).
int rename_into(platform::handle src_at, const platform::path_char* src, platform::handle dst_at,
                const platform::path_char* dst, bool no_clobber) noexcept;

// Gives the open file fd the name dst (absolute; linkat: EEXIST if it exists). For a file made
// O_TMPFILE, or any open file whose last name is gone (platform::link_open_file: Linux only;
// EOPNOTSUPP elsewhere).
int link_fd(platform::handle fd, const platform::path_char* dst) noexcept;

// fsync, retrying EINTR.
int sync_fd(platform::handle fd) noexcept;

// Copies all of from (from offset 0) to to (at its offset): in the kernel where the platform can
// (platform::copy_in_kernel: copy_file_range on Linux), else or for what it left with read/write.
int copy_contents(platform::handle from, platform::handle to) noexcept;

// The name affixes of a file that will become `leaf` in a directory: ".<leaf>." and ".tmp" (Qt's and
// LLVM's habit), with leaf shortened so that the name fits name_max with `digits` random digits.
void staging_affixes(const platform::path_string& leaf, std::size_t name_max, std::size_t digits,
                     std::string& prefix, std::string& suffix);

}  // namespace detail
}  // namespace boost_tempfm

#endif
