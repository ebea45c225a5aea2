// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include "detail/create_unique.hpp"

#include "detail/errors.hpp"
#include "detail/process_identity.hpp"

#include <boost_tempfm/registry.hpp>

#include <boost/filesystem/operations.hpp>

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace boost_tempfm {
namespace detail {
namespace {

void check_affix(const boost::filesystem::path& dir, const std::string& s, const char* which) {
  if (s.find('/') != std::string::npos)
    throw_errno(std::string(which) + " \"" + s + "\" holds a path separator", dir, EINVAL);
  if (s.find('\0') != std::string::npos) throw_errno(std::string(which) + " holds a NUL character", dir, EINVAL);
}

// Random hex digits for names, drawn from getrandom() 128 bytes at a time: the digits of 16 names,
// kept per thread, so a name costs no syscall of its own (measured: Boost's unique_path() took
// ~330 instructions per name for the same digits). Without getrandom() (old kernels), the digits
// come from unique_path(). The pool is dropped in a child after fork(), which must not reuse its
// parent's next names.
class digit_pool {
 public:
  // Appends `digits` (at most 256) random hex digits to out.
  void append_to(std::string& out, std::size_t digits) {
    const std::uint64_t me = current_instance();
    if (me != owner_ || pos_ + digits > sizeof hex_) refill(me);
    out.append(hex_ + pos_, digits);
    pos_ += digits;
  }

 private:
  void refill(std::uint64_t me) {
    unsigned char raw[sizeof hex_ / 2];
    ssize_t n;
    do {
      n = ::getrandom(raw, sizeof raw, 0);  // up to 256 bytes are never cut short
    } while (n < 0 && errno == EINTR);
    if (n == ssize_t(sizeof raw)) {
      static const char digit[] = "0123456789abcdef";
      for (std::size_t i = 0; i < sizeof raw; ++i) {
        hex_[2 * i] = digit[raw[i] >> 4];
        hex_[2 * i + 1] = digit[raw[i] & 15];
      }
    } else {
      static const boost::filesystem::path model(std::string(sizeof hex_, '%'));
      const std::string h = boost::filesystem::unique_path(model).native();
      std::memcpy(hex_, h.data(), sizeof hex_);
    }
    pos_ = 0;
    owner_ = me;
  }

  char hex_[16 * random_digits];
  std::size_t pos_ = sizeof hex_;
  std::uint64_t owner_ = 0;
};

thread_local digit_pool pool;

}  // namespace

void validate_affixes(const boost::filesystem::path& dir, const std::string& prefix, const std::string& suffix,
                      std::size_t name_max) {
  check_affix(dir, prefix, "prefix");
  check_affix(dir, suffix, "suffix");
  const std::size_t len = prefix.size() + random_digits + suffix.size();
  if (len > name_max)
    throw_errno("a name of " + std::to_string(len) + " bytes (prefix " + std::to_string(prefix.size()) +
                    " + " + std::to_string(random_digits) + " random + suffix " + std::to_string(suffix.size()) +
                    ") exceeds the filesystem's limit of " + std::to_string(name_max),
                dir, ENAMETOOLONG);
}

boost::filesystem::path create_unique(const boost::filesystem::path& dir, const std::string& prefix,
                                      const std::string& suffix, entry_kind kind, std::size_t name_max,
                                      std::size_t digits, create_observer* observer, bool affixes_checked,
                                      int dir_fd) {
  if (!affixes_checked) validate_affixes(dir, prefix, suffix, name_max);
  constexpr int max_attempts = 100;
  // The whole path is built in one string (one allocation), then handed to the path.
  std::string full;
  full.reserve(dir.native().size() + 1 + prefix.size() + digits + suffix.size());
  full = dir.native();
  if (full.empty() || full.back() != '/') full += '/';
  const std::size_t name_at = full.size();
  boost::filesystem::path p;
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    full.resize(name_at);
    full += prefix;
    pool.append_to(full, digits);
    full += suffix;
    p = boost::filesystem::path(std::move(full));
    if (observer) observer->before_create(p);
    // Relative to the directory's descriptor when there is one: no path walk, and the directory
    // created in is the one opened, whatever happens to its path meanwhile.
    const int at = dir_fd >= 0 ? dir_fd : AT_FDCWD;
    const char* name = dir_fd >= 0 ? p.c_str() + name_at : p.c_str();
    if (kind == entry_kind::file) {
      int fd = ::openat(at, name, O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_RDWR, S_IRUSR | S_IWUSR);
      if (fd >= 0) {
        ::close(fd);
        return p;
      }
    } else if (::mkdirat(at, name, S_IRWXU) == 0) {
      return p;
    }
    const int err = errno;
    if (observer) observer->not_created(p);
    if (err != EEXIST)
      throw_errno(kind == entry_kind::file ? "cannot create temporary file" : "cannot create temporary directory", p,
                  err);
    full = p.native();
  }
  throw_errno("no free name after " + std::to_string(max_attempts) + " attempts", p, EEXIST);
}

}  // namespace detail
}  // namespace boost_tempfm
