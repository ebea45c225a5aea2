// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include "detail/file_ops.hpp"

#include "platform/platform.hpp"

#include <boost/filesystem/operations.hpp>

#include <cerrno>
#include <cstdio>
#include <utility>

namespace boost_tempfm {
namespace detail {

int resolve_dest(const boost::filesystem::path& dest, dest_path& out, const char*& what) {
  what = "the destination names no file";
  if (dest.empty()) return EINVAL;
  boost::filesystem::path abs = dest;
  if (!abs.is_absolute()) {
    boost::system::error_code ec;
    abs = boost::filesystem::absolute(dest, ec);
    if (ec) {
      what = "cannot make the destination absolute (no current directory?)";
      return ec.value();
    }
  }
  // Most destinations are already normal ("/a/b/c": no "//", "." or ".." component, no trailing
  // '/'): then the leaf and the directory are split off directly (lexically_normal() is the
  // slowest step of an atomic save otherwise).
  // (Where '/' is not the one separator, Windows, the general path only.)
  const platform::path_string& n = abs.native();
  bool normal = boost::filesystem::path::preferred_separator == '/' && n.size() > 1 && n.back() != '/';
  for (std::size_t i = 0; normal && i < n.size(); ++i) {
    if (n[i] != '/') continue;
    const std::size_t j = n.find('/', i + 1);
    const std::size_t len = (j == platform::path_string::npos ? n.size() : j) - i - 1;
    if (len == 0 || (len == 1 && n[i + 1] == '.') || (len == 2 && n[i + 1] == '.' && n[i + 2] == '.')) normal = false;
  }
  if (normal) {
    const std::size_t slash = n.rfind('/');
    out.leaf = n.substr(slash + 1);
    out.dir = slash == 0 ? boost::filesystem::path("/") : boost::filesystem::path(n.substr(0, slash));
    out.dest = std::move(abs);
    return 0;
  }
  abs = abs.lexically_normal();
  const boost::filesystem::path leaf = abs.filename();
  if (leaf.empty() || leaf == "." || leaf == ".." || leaf == "/") return EINVAL;
  out.dest = abs;
  out.dir = abs.parent_path();
  out.leaf = leaf.native();
  return 0;
}

std::size_t name_max_of(const boost::filesystem::path& dir) noexcept { return platform::name_max(dir.c_str()); }

int sync_dir(const boost::filesystem::path& dir) noexcept {
  platform::handle h = platform::no_handle;
  if (const int err = platform::open_dir_for_sync(dir.c_str(), h)) return err;
  const int err = sync_fd(h);
  (void)platform::close(h);
  return err;
}

int rename_into(platform::handle src_at, const platform::path_char* src, platform::handle dst_at,
                const platform::path_char* dst, bool no_clobber) noexcept {
  if (!no_clobber) return platform::rename_at(src_at, src, dst_at, dst);
  return platform::rename_no_replace(src_at, src, dst_at, dst);
}

int link_fd(platform::handle fd, const platform::path_char* dst) noexcept { return platform::link_open_file(fd, dst); }

int sync_fd(platform::handle fd) noexcept { return platform::sync(fd); }

int copy_contents(platform::handle from, platform::handle to) noexcept {
  // In the kernel where the platform can (Linux: copy_file_range); else, or for what it left, here.
  std::uint64_t copied = 0;
  const int fast = platform::copy_in_kernel(from, to, copied);
  if (fast != EOPNOTSUPP) return fast;
  std::uint64_t off = copied;
  char buf[1 << 16];
  for (;;) {
    std::size_t n = 0;
    if (const int err = platform::read_at(from, buf, sizeof buf, off, n)) return err;
    if (n == 0) return 0;
    off += n;
    if (const int err = platform::write_all(to, buf, n)) return err;
  }
}

namespace {
// The leaf as a narrow affix: as it is where names are bytes; where they are UTF-16 (Windows), its
// ASCII characters, others as '_' (a staging name only needs to be recognisable and valid).
template <class String>
std::string narrow_leaf(const String& leaf, std::size_t room) {
  if constexpr (sizeof(typename String::value_type) == 1) {
    return leaf.substr(0, room);
  } else {
    std::string out;
    for (std::size_t i = 0; i < leaf.size() && out.size() < room; ++i)
      out += leaf[i] > 0x20 && leaf[i] < 0x7f ? static_cast<char>(leaf[i]) : '_';
    return out;
  }
}
}  // namespace

void staging_affixes(const platform::path_string& leaf, std::size_t name_max, std::size_t digits,
                     std::string& prefix, std::string& suffix) {
  suffix = ".tmp";
  const std::size_t fixed = 2 + digits + suffix.size();  // the dots around the leaf
  const std::size_t room = name_max > fixed ? name_max - fixed : 0;
  prefix = "." + narrow_leaf(leaf, room) + ".";
}

}  // namespace detail
}  // namespace boost_tempfm
