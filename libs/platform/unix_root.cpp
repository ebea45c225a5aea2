// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
//
// The temp root and its checks (detail/root.hpp) on POSIX systems: owners, modes, sticky bits and
// symlinks on the way (libs/sources.txt: "linux posix").
#include "../detail/root.hpp"

#include "../detail/errors.hpp"
#include "platform.hpp"

#include <boost_tempfm/registry.hpp>

#include <boost/filesystem/operations.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

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

bool trusted_owner(uid_t uid) { return uid == ::geteuid() || uid == 0; }

// Anyone who may rename or replace a directory on the way to the root controls what the root is.
// So every symlink on the way must be ours or root's, and every directory too, and none writable
// by others unless sticky (then only owners rename their own entries).
// noun: what is checked, "temp root" or "directory" (one given to a create call).
void check_directory(const fs::path& p, const struct stat& st, bool is_root, const fs::path& root,
                     const std::string& noun) {
  const std::string what = is_root ? "refusing the " + noun + ": " : "refusing the " + noun + ": the directory above it ";
  const fs::path& named = is_root ? root : p;
  const bool sticky = (st.st_mode & S_ISVTX) != 0;
  if (is_root ? !(st.st_uid == ::geteuid() || (st.st_uid == 0 && sticky)) : !trusted_owner(st.st_uid))
    throw_errno(std::string(what) + (is_root ? "" : p.string() + " ") + "is owned by uid " +
                    std::to_string(st.st_uid) + ", not by uid " + std::to_string(::geteuid()) +
                    (is_root ? " (or by root with the sticky bit)" : " or root"),
                named, EPERM);
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && !sticky)
    throw_errno(std::string(what) + (is_root ? "" : p.string() + " ") + "is writable by other users without the sticky bit (mode " +
                    octal_mode(st.st_mode) + ")",
                named, EPERM);
}

void check_symlinks_on_the_way(const fs::path& given, const std::string& noun = "temp root") {
  // Resolves `given` one name at a time, as the kernel would, to look at each symlink it meets.
  std::vector<std::string> todo;
  for (const fs::path& part : given) todo.push_back(part.string());
  std::reverse(todo.begin(), todo.end());
  fs::path cur = "/";
  int links = 0;
  while (!todo.empty()) {
    const std::string part = todo.back();
    todo.pop_back();
    if (part == "/" || part == "." || part.empty()) continue;
    if (part == "..") {
      cur = cur.has_parent_path() && cur != "/" ? cur.parent_path() : fs::path("/");
      continue;
    }
    const fs::path next = cur / part;
    struct stat st;
    if (::lstat(next.c_str(), &st) != 0) return;  // resolve_root reports what is missing
    if (!S_ISLNK(st.st_mode)) {
      cur = next;
      continue;
    }
    if (!trusted_owner(st.st_uid))
      throw_errno("refusing the " + noun + ": it is reached through the symlink " + next.string() + ", owned by uid " +
                      std::to_string(st.st_uid),
                  given, EPERM);
    // Whoever may replace the link controls it too: its directory must be as safe as the link.
    struct stat dst;
    if (::lstat(cur.c_str(), &dst) != 0) throw_errno("cannot inspect the temp root", cur, errno);
    check_directory(cur, dst, false, given, noun);
    if (++links > 40) throw_errno("refusing the " + noun + ": too many symlinks", given, ELOOP);
    char buf[4096];
    const ssize_t n = ::readlink(next.c_str(), buf, sizeof buf);
    if (n <= 0 || std::size_t(n) >= sizeof buf) throw_errno("cannot read the symlink", next, n < 0 ? errno : ENAMETOOLONG);
    const fs::path target(std::string(buf, std::size_t(n)));
    std::vector<std::string> parts;
    for (const fs::path& t : target) parts.push_back(t.string());
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo.push_back(*it);
    if (target.is_absolute()) cur = "/";
  }
}

// Checks the directories of canon (a canonical path); the last one is the root if `is_root`.
void check_safe_path(const fs::path& canon, bool is_root, const std::string& noun = "temp root") {
  fs::path p;
  for (const fs::path& part : canon) {
    p /= part;
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0) throw_errno("cannot inspect the " + noun, p, errno);
    check_directory(p, st, is_root && p == canon, canon, noun);
  }
}

}  // namespace

fs::path canonical_dir(const fs::path& p, boost::system::error_code& ec) {
  fs::path c = fs::canonical(p, ec);
  if (ec) return c;
  std::string s = c.native();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return fs::path(s);
}

std::size_t name_max_near(const fs::path& p) noexcept {
  try {
    fs::path existing = p;
    struct stat st;
    while (::stat(existing.c_str(), &st) != 0 && existing.has_parent_path() && existing != "/")
      existing = existing.parent_path();
    errno = 0;
    const long n = ::pathconf(existing.c_str(), _PC_NAME_MAX);
    return n > 0 ? static_cast<std::size_t>(n) : NAME_MAX;
  } catch (...) {
    return NAME_MAX;
  }
}

resolved_root resolve_root(const fs::path& base_dir) {
  const fs::path root = root_path_of(base_dir);
  // Before anything is created: the symlinks on the way, and the directories that exist.
  check_symlinks_on_the_way(root);
  fs::path existing = root;
  struct stat st;
  while (::lstat(existing.c_str(), &st) != 0 && errno == ENOENT && existing.has_parent_path() && existing != "/")
    existing = existing.parent_path();
  boost::system::error_code pec;
  const fs::path canon_existing = canonical_dir(existing, pec);
  if (!pec && existing != root) check_safe_path(canon_existing, false);
  if (base_dir.empty())
    ensure_private_dir(root);
  else
    ensure_usable_dir(root);
  // And again on what exists now: nobody may have planted anything on the way meanwhile.
  check_symlinks_on_the_way(root);
  boost::system::error_code ec;
  fs::path canon = canonical_dir(root, ec);
  if (ec) throw_error("cannot resolve the temp root", root, ec);
  check_safe_path(canon, true);
  errno = 0;
  long name_max = ::pathconf(canon.c_str(), _PC_NAME_MAX);
  if (name_max <= 0) name_max = NAME_MAX;
  return resolved_root{canon, static_cast<std::size_t>(name_max)};
}

call_dir::~call_dir() {
  if (fd >= 0) ::close(fd);
}

void open_call_dir(const fs::path& given, const fs::path& root, call_dir& out) {
  boost::system::error_code ec;
  const fs::path abs = fs::absolute(given, ec);
  if (ec) throw_error("cannot make the directory absolute (no current directory?)", given, ec);
  check_symlinks_on_the_way(abs, "directory");
  struct stat st;
  if (::stat(abs.c_str(), &st) != 0) throw_errno("cannot use the directory", abs, errno);
  if (!S_ISDIR(st.st_mode)) throw_errno("cannot use the directory: it is not a directory", abs, ENOTDIR);
  if (::access(abs.c_str(), W_OK | X_OK) != 0) throw_errno("cannot use the directory: it is not writable", abs, errno);
  out.path = canonical_dir(abs, ec);
  if (ec) throw_error("cannot resolve the directory", abs, ec);
  check_safe_path(out.path, true, "directory");
  const std::string reg = registry_dir(root).native();
  const std::string& p = out.path.native();
  if (p == reg || (p.size() > reg.size() && p.compare(0, reg.size(), reg) == 0 && p[reg.size()] == '/'))
    throw_errno("refusing the directory: it is the registry of the temp root " + root.string(), out.path, EINVAL);
  if (const int err = platform::open_dir_ref(out.path.c_str(), out.fd)) throw_errno("cannot open the directory", out.path, err);
  // The object opened must be the one checked: nobody may have swapped it meanwhile.
  struct stat opened;
  if (::fstat(out.fd, &opened) != 0 || opened.st_dev != st.st_dev || opened.st_ino != st.st_ino)
    throw_errno("refusing the directory: it changed while it was checked", out.path, EAGAIN);
  errno = 0;
  const long n = ::fpathconf(out.fd, _PC_NAME_MAX);
  out.name_max = n > 0 ? static_cast<std::size_t>(n) : NAME_MAX;
}

const char* const system_temp_sources = "TMPDIR, TMP, TEMP, TEMPDIR or /tmp";

int default_root_location(fs::path& out, bool& from_env) {
  from_env = false;
  if (const char* env = std::getenv(root_env); env && *env) {
    from_env = true;
    out = env;
    return 0;
  }
  out = "/tmp";
  for (const char* var : {"TMPDIR", "TMP", "TEMP", "TEMPDIR"}) {
    const char* v = std::getenv(var);
    if (v && *v) {  // an empty variable is unset
      out = v;
      break;
    }
  }
  struct stat st;
  if (::stat(out.c_str(), &st) != 0) return errno;
  if (!S_ISDIR(st.st_mode)) return ENOTDIR;
  out /= "tempfm-" + std::to_string(::geteuid());
  return 0;
}

}  // namespace detail
}  // namespace boost_tempfm
