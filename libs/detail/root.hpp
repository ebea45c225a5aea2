// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LIBS_ROOT_HPP
#define BOOST_TEMPFM_LIBS_ROOT_HPP

#include "../platform/platform.hpp"

#include <boost/filesystem/path.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>

namespace boost_tempfm {
namespace detail {

struct resolved_root {
  boost::filesystem::path path;  // canonical, absolute
  std::size_t name_max;          // longest file name the root's filesystem takes
};

// The canonical absolute path of an existing directory, spelled one way only: Boost's canonical()
// keeps a trailing separator ("R/" stays "R/"), which would make "R" and "R/" two roots.
boost::filesystem::path canonical_dir(const boost::filesystem::path& p, boost::system::error_code& ec);

// The name of the environment variable that overrides the default root.
constexpr const char* root_env = "BOOST_TEMPFM_ROOT";

// The absolute path of the root that resolve_root(base_dir) would use; nothing is created or checked.
boost::filesystem::path root_path_of(const boost::filesystem::path& base_dir);

// Where the default root is, not yet made absolute (libs/root.cpp does that for default_root()):
// $BOOST_TEMPFM_ROOT when set and not empty (from_env true); else <system temp directory>/tempfm-<euid>
// on POSIX (TMPDIR, TMP, TEMP, TEMPDIR or /tmp) and <GetTempPathW()>\tempfm on Windows. 0, or an errno
// value when the system temp directory is not usable (then out names it).
int default_root_location(boost::filesystem::path& out, bool& from_env);

// Where default_root_location() looks for the system temp directory, for the error that says none is usable.
extern const char* const system_temp_sources;

// The longest file name the filesystem of p takes, asked of p or of its nearest existing ancestor.
std::size_t name_max_near(const boost::filesystem::path& p) noexcept;

// Empty base_dir: $BOOST_TEMPFM_ROOT, else <temp_directory_path()>/tempfm-<euid>; created 0700
// if missing, refused unless it is a real directory (not a symlink) owned by the effective user
// with no permission bits for group and others. Non-empty base_dir: created (0700) if missing,
// must be a directory this process can write and search. Throws filesystem_error naming the path.
resolved_root resolve_root(const boost::filesystem::path& base_dir);

// A directory given to one create call (create_options::directory), opened to create in.
struct call_dir {
  boost::filesystem::path path;  // canonical, absolute
  platform::handle fd = platform::no_handle;  // platform::open_dir_ref
  std::size_t name_max = 255;
  call_dir() = default;
  call_dir(const call_dir&) = delete;
  call_dir& operator=(const call_dir&) = delete;
  ~call_dir();
};
// Checks `given` as a root is checked (every symlink on the way and every directory up to it; it
// must be this user's, or root's and sticky; nobody else may write it unless it is sticky) and
// opens it. It must exist (nothing is created: ENOENT) and be a writable directory (ENOTDIR,
// EACCES), and neither be nor lie in the registry directory of `root` (EINVAL). Throws
// filesystem_error naming the path and the reason ("refusing the directory: ...").
void open_call_dir(const boost::filesystem::path& given, const boost::filesystem::path& root, call_dir& out);

}  // namespace detail
}  // namespace boost_tempfm

#endif
