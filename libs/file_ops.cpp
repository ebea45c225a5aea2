// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include "detail/file_ops.hpp"

#include "platform/platform.hpp"

#include <boost/filesystem/operations.hpp>

#include <cerrno>
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
  // found by char_traits::find (memchr for bytes; a byte loop cost more than the rest of
  // resolve_dest). Where '/' is not the one separator (Windows), the general path only.
  using traits = std::char_traits<platform::path_char>;
  const platform::path_string& n = abs.native();
  bool normal = boost::filesystem::path::preferred_separator == '/' && n.size() > 1 && n.back() != '/';
  std::size_t slash = 0;  // the last '/' seen (n[0] is '/': absolute)
  while (normal) {
    const platform::path_char* next = traits::find(n.data() + slash + 1, n.size() - slash - 1, '/');
    const std::size_t end = next ? static_cast<std::size_t>(next - n.data()) : n.size();
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
void append_leaf(std::string& out, const String& leaf, std::size_t room) {
  if constexpr (sizeof(typename String::value_type) == 1) {
    out.append(leaf, 0, room);
  } else {
    for (std::size_t i = 0; i < leaf.size() && i < room; ++i)
      out += leaf[i] > 0x20 && leaf[i] < 0x7f ? static_cast<char>(leaf[i]) : '_';
  }
}
}  // namespace

void staging_affixes(const platform::path_string& leaf, std::size_t name_max, std::size_t digits,
                     std::string& prefix, std::string& suffix) {
  suffix = ".tmp";
  const std::size_t fixed = 2 + digits + suffix.size();  // the dots around the leaf
  const std::size_t room = name_max > fixed ? name_max - fixed : 0;
  // Built in place: no temporaries where names are bytes.
  prefix.assign(1, '.');
  append_leaf(prefix, leaf, room);
  prefix += '.';
}

}  // namespace detail
}  // namespace boost_tempfm
