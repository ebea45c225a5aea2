// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include "detail/root.hpp"

#include "detail/errors.hpp"

#include <boost/filesystem/operations.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace boost_tempfm {
namespace detail {
namespace {

namespace fs = boost::filesystem;

std::string octal_mode(mode_t m) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

// The default root must be ours alone: a real directory, owned by us, no access for others.
// Anything else could be another user's trap (CWE-377), so it is refused, never repaired.
void ensure_private_dir(const fs::path& root) {
  if (::mkdir(root.c_str(), S_IRWXU) != 0 && errno != EEXIST)
    throw_errno("cannot create the private temp root", root, errno);
  struct stat st;
  if (::lstat(root.c_str(), &st) != 0) throw_errno("cannot inspect the private temp root", root, errno);
  if (S_ISLNK(st.st_mode)) throw_errno("refusing the temp root: it is a symlink", root, ELOOP);
  if (!S_ISDIR(st.st_mode)) throw_errno("refusing the temp root: it is not a directory", root, ENOTDIR);
  if (st.st_uid != ::geteuid())
    throw_errno("refusing the temp root: it is owned by uid " + std::to_string(st.st_uid) + ", not by uid " +
                    std::to_string(::geteuid()),
                root, EPERM);
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    throw_errno("refusing the temp root: mode " + octal_mode(st.st_mode) +
                    " gives access to other users (expected 0700)",
                root, EPERM);
}

void ensure_usable_dir(const fs::path& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) throw_errno("cannot inspect the temp root", dir, errno);
    boost::system::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw_error("cannot create the temp root", dir, ec);
    ::chmod(dir.c_str(), S_IRWXU);  // best effort: a directory we created is private
    if (::stat(dir.c_str(), &st) != 0) throw_errno("cannot inspect the temp root", dir, errno);
  }
  if (!S_ISDIR(st.st_mode)) throw_errno("the temp root is not a directory", dir, ENOTDIR);
  if (::access(dir.c_str(), W_OK | X_OK) != 0) throw_errno("the temp root is not writable", dir, errno);
}

}  // namespace

resolved_root resolve_root(const fs::path& base_dir) {
  fs::path root;
  if (base_dir.empty()) {
    const char* env = std::getenv(root_env);
    if (env && *env) {
      root = fs::absolute(fs::path(env));
    } else {
      boost::system::error_code ec;
      fs::path tmp = fs::temp_directory_path(ec);
      if (ec) throw_error("no usable system temp directory (TMPDIR, TMP, TEMP, TEMPDIR or /tmp)", tmp, ec);
      root = tmp / ("tempfm-" + std::to_string(::geteuid()));
    }
    ensure_private_dir(root);
  } else {
    root = fs::absolute(base_dir);
    ensure_usable_dir(root);
  }
  boost::system::error_code ec;
  fs::path canon = fs::canonical(root, ec);
  if (ec) throw_error("cannot resolve the temp root", root, ec);
  errno = 0;
  long name_max = ::pathconf(canon.c_str(), _PC_NAME_MAX);
  if (name_max <= 0) name_max = NAME_MAX;
  return resolved_root{canon, static_cast<std::size_t>(name_max)};
}

}  // namespace detail
}  // namespace boost_tempfm
