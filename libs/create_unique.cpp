// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include "detail/create_unique.hpp"

#include "detail/errors.hpp"

#include <boost_tempfm/registry.hpp>

#include <boost/filesystem/operations.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace boost_tempfm {
namespace detail {
namespace {

void check_affix(const boost::filesystem::path& dir, const std::string& s, const char* which) {
  if (s.find('/') != std::string::npos)
    throw_errno(std::string(which) + " \"" + s + "\" holds a path separator", dir, EINVAL);
  if (s.find('\0') != std::string::npos) throw_errno(std::string(which) + " holds a NUL character", dir, EINVAL);
}

// unique_path() replaces each '%' of its model with a random hex digit (from getrandom()). One
// call yields the digits of 16 names: a thread keeps them and hands them out, so a name costs no
// syscall of its own. The pool is dropped in a child after fork(), which must not reuse its
// parent's next names.
class digit_pool {
 public:
  // Appends `digits` (at most 256) random hex digits to out.
  void append_to(std::string& out, std::size_t digits) {
    const std::uint32_t pid = current_process().pid;
    if (pid != pid_ || pos_ + digits > pool_.size()) {
      static const boost::filesystem::path model(std::string(16 * random_digits, '%'));
      pool_ = boost::filesystem::unique_path(model).native();
      pos_ = 0;
      pid_ = pid;
    }
    out.append(pool_, pos_, digits);
    pos_ += digits;
  }

 private:
  std::string pool_;
  std::size_t pos_ = 0;
  std::uint32_t pid_ = 0;
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
                                      std::size_t digits, create_observer* observer) {
  validate_affixes(dir, prefix, suffix, name_max);
  constexpr int max_attempts = 100;
  boost::filesystem::path p;
  std::string name;
  name.reserve(prefix.size() + random_digits + suffix.size());
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    name.assign(prefix);
    pool.append_to(name, digits);
    name += suffix;
    p = dir / name;
    if (observer) observer->before_create(p);
    if (kind == entry_kind::file) {
      int fd = ::open(p.c_str(), O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_RDWR, S_IRUSR | S_IWUSR);
      if (fd >= 0) {
        ::close(fd);
        return p;
      }
    } else if (::mkdir(p.c_str(), S_IRWXU) == 0) {
      return p;
    }
    const int err = errno;
    if (observer) observer->not_created(p);
    if (err != EEXIST)
      throw_errno(kind == entry_kind::file ? "cannot create temporary file" : "cannot create temporary directory", p,
                  err);
  }
  throw_errno("no free name after " + std::to_string(max_attempts) + " attempts", p, EEXIST);
}

}  // namespace detail
}  // namespace boost_tempfm
