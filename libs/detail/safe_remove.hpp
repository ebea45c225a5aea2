// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LIBS_SAFE_REMOVE_HPP
#define BOOST_TEMPFM_LIBS_SAFE_REMOVE_HPP

#include "../platform/platform.hpp"

#include <boost_tempfm/registry.hpp>

#include <boost/filesystem/path.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <string>

namespace boost_tempfm {
namespace detail {

struct removal_result {
  bool found = false;                   // something was at the path (false: it was already gone)
  entry_type kind = entry_type::file;   // what it was, when found
  std::uintmax_t bytes = 0;            // sum of st_size of the regular files removed
  boost::system::error_code ec;        // first failure; empty on success
  boost::filesystem::path failed_path; // where the first failure happened
  bool mount_point = false;            // the failure: a mount point below (EBUSY), left untouched
};

// "a mount point, left untouched, at P" or "<reason> at P".
std::string describe_failure(const removal_result& r);

// Removes p: a non-directory (a symlink included) is unlinked; a directory is removed with all it
// holds. Works with *at() calls on descriptors opened with O_NOFOLLOW, so it never follows a
// symlink, also one swapped in during the removal: nothing outside p is removed or changed. It
// never descends into another mount: a mount point below p is left as it is and reported (EBUSY,
// mount_point), and p stays (mount points: platform::is_mount_point).
// Directories inside p without read, write or search permission are given 0700 (never through a
// symlink: platform::make_dir_private) and the removal goes on. A p that does not exist is success
// with kind none. With measure=false, bytes stay 0 and a non-directory is reported as "file"
// without the lstat that would tell a symlink (one syscall less per file). Never throws.
// file_only: p names a file; a directory there is left as it is and reported (EISDIR, found, kind
// directory). The unlinkat comes first either way, so this costs nothing when p is not a directory.
removal_result remove_tree(const boost::filesystem::path& p, bool measure = true, bool file_only = false) noexcept;

// The same for `name` in the directory parent_fd; `display` names it in errors.
removal_result remove_at(platform::handle parent_fd, const platform::path_char* name, const boost::filesystem::path& display,
                         bool measure, bool file_only = false) noexcept;

// Bytes held by p: its size if a regular file, the sum over regular files below it if a directory
// (symlinks are not followed). 0 if it does not exist.
std::uintmax_t measure_tree(const boost::filesystem::path& p) noexcept;

// "file", "directory", "symlink".
const char* kind_name(entry_type k) noexcept;

}  // namespace detail
}  // namespace boost_tempfm

#endif
