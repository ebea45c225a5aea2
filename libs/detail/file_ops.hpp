// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LIBS_FILE_OPS_HPP
#define BOOST_TEMPFM_LIBS_FILE_OPS_HPP

// The platform calls behind persist, commit, link_to and unnamed files. Each returns 0 or an errno
// value and retries EINTR.

#include <boost/filesystem/path.hpp>

#include <cstddef>
#include <string>

namespace boost_tempfm {
namespace detail {

// The directory that will hold `dest` (made absolute and normalised), opened O_RDONLY|O_DIRECTORY
// (so that it can be synced), with dest's name in it. Symlinks on the way are followed as named.
struct dest_dir {
  boost::filesystem::path dest;  // absolute, normalised
  boost::filesystem::path dir;   // dest.parent_path()
  std::string leaf;              // dest.filename()
  int fd = -1;
  dest_dir() = default;
  dest_dir(const dest_dir&) = delete;
  dest_dir& operator=(const dest_dir&) = delete;
  ~dest_dir();
  int release() noexcept;  // hands the descriptor over
};
// EINVAL: dest is empty or names no file ("", "dir/", "."); else the errno of making it absolute
// or of opening its directory. `what` says which failed.
int open_dest_dir(const boost::filesystem::path& dest, dest_dir& out, const char*& what);

// The longest name the filesystem of directory fd takes.
std::size_t name_max_of(int dir_fd) noexcept;

// Renames src_name (relative to src_at) to leaf in dir_fd. no_clobber: EEXIST if leaf exists
// (renameat2 RENAME_NOREPLACE, or linkat + unlinkat where the filesystem lacks it).
int rename_into(int src_at, const char* src_name, int dir_fd, const char* leaf, bool no_clobber) noexcept;

// Gives the open file fd the name leaf in dir_fd (linkat; EEXIST if it exists). For a file made
// O_TMPFILE, or any open file whose last name is gone.
int link_fd(int fd, int dir_fd, const char* leaf) noexcept;

// fsync, retrying EINTR.
int sync_fd(int fd) noexcept;

// Copies all of from (from offset 0) to to (at its offset): copy_file_range, or read/write where
// the kernel cannot (another filesystem type).
int copy_contents(int from, int to) noexcept;

// The name affixes of a file that will become `leaf` in a directory: ".<leaf>." and ".tmp" (Qt's and
// LLVM's habit), with leaf shortened so that the name fits name_max with `digits` random digits.
void staging_affixes(const std::string& leaf, std::size_t name_max, std::size_t digits, std::string& prefix,
                     std::string& suffix);

}  // namespace detail
}  // namespace boost_tempfm

#endif
