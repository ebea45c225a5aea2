// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include "detail/file_ops.hpp"

#include "platform/platform.hpp"

#include <boost/filesystem/operations.hpp>

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <utility>

namespace boost_tempfm {
namespace detail {

int resolve_dest(const boost::filesystem::path& dest, dest_path& out, const char*& what) {
  what = "the destination names no file";
  if (dest.empty()) return EINVAL;
  // Absolute already (the common case): looked at in place, copied once into out.dest.
  boost::filesystem::path made_abs;
  if (!dest.is_absolute()) {
    boost::system::error_code ec;
    made_abs = boost::filesystem::absolute(dest, ec);
    if (ec) {
      what = "cannot make the destination absolute (no current directory?)";
      return ec.value();
    }
  }
  const boost::filesystem::path& abs = made_abs.empty() ? dest : made_abs;
  // Most destinations are already normal ("/a/b/c": no "//", "." or ".." component, no trailing
  // '/'): then the leaf and the directory are split off directly (lexically_normal() is the
  // slowest step of an atomic save otherwise). One pass over the bytes, each component's end
  // found by memchr (a byte loop cost more than the rest of resolve_dest).
  const std::string& n = abs.native();
  bool normal = n.size() > 1 && n.back() != '/';
  std::size_t slash = 0;  // the last '/' seen (n[0] is '/': absolute)
  while (normal) {
    const void* next = std::memchr(n.data() + slash + 1, '/', n.size() - slash - 1);
    const std::size_t end = next ? static_cast<std::size_t>(static_cast<const char*>(next) - n.data()) : n.size();
    const std::size_t len = end - slash - 1;
    if (len == 0 || (len == 1 && n[slash + 1] == '.') || (len == 2 && n[slash + 1] == '.' && n[slash + 2] == '.'))
      normal = false;
    if (!next) break;
    slash = end;
  }
  if (normal) {
    out.leaf.assign(n, slash + 1, std::string::npos);
    out.dir = slash == 0 ? boost::filesystem::path("/") : boost::filesystem::path(n.data(), n.data() + slash);
    out.dest = abs;
    return 0;
  }
  boost::filesystem::path norm = abs.lexically_normal();
  const boost::filesystem::path leaf = norm.filename();
  if (leaf.empty() || leaf == "." || leaf == ".." || leaf == "/") return EINVAL;
  out.dir = norm.parent_path();
  out.dest = std::move(norm);
  out.leaf = leaf.native();
  return 0;
}

std::size_t name_max_of(const boost::filesystem::path& dir) noexcept {
  errno = 0;
  const long n = ::pathconf(dir.c_str(), _PC_NAME_MAX);
  return n > 0 ? static_cast<std::size_t>(n) : NAME_MAX;
}

int sync_dir(const boost::filesystem::path& dir) noexcept {
  int fd;
  do {
    fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno;
  const int err = sync_fd(fd);
  ::close(fd);
  return err;
}

int rename_into(int src_at, const char* src, int dst_at, const char* dst, bool no_clobber) noexcept {
  if (!no_clobber) return ::renameat(src_at, src, dst_at, dst) == 0 ? 0 : errno;
  return platform::rename_no_replace(src_at == AT_FDCWD ? platform::no_handle : src_at, src,
                                     dst_at == AT_FDCWD ? platform::no_handle : dst_at, dst);
}

int link_fd(int fd, const char* dst) noexcept { return platform::link_open_file(fd, dst); }

int sync_fd(int fd) noexcept {
  int r;
  do {
    r = ::fsync(fd);
  } while (r != 0 && errno == EINTR);
  return r == 0 ? 0 : errno;
}

int copy_contents(int from, int to) noexcept {
  // In the kernel where the platform can (Linux: copy_file_range); else, or for what it left, here.
  std::uint64_t copied = 0;
  const int fast = platform::copy_in_kernel(from, to, copied);
  if (fast != EOPNOTSUPP) return fast;
  off_t off = static_cast<off_t>(copied);
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::pread(from, buf, sizeof buf, off);
    if (n == 0) return 0;
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    off += n;
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(to, buf + done, static_cast<std::size_t>(n - done));
      if (w < 0) {
        if (errno == EINTR) continue;
        return errno;
      }
      done += w;
    }
  }
}

void staging_affixes(const std::string& leaf, std::size_t name_max, std::size_t digits, std::string& prefix,
                     std::string& suffix) {
  suffix = ".tmp";
  const std::size_t fixed = 2 + digits + suffix.size();  // the dots around the leaf
  const std::size_t room = name_max > fixed ? name_max - fixed : 0;
  // Built in place: no temporaries.
  prefix.assign(1, '.');
  prefix.append(leaf, 0, room);
  prefix += '.';
}

}  // namespace detail
}  // namespace boost_tempfm
