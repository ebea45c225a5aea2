// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include "detail/create_unique.hpp"

#include "detail/errors.hpp"
#include "detail/process_identity.hpp"
#include "platform/platform.hpp"

#include <boost_tempfm/registry.hpp>

#include <boost/filesystem/operations.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace boost_tempfm {
namespace detail {
namespace {

void check_affix(const boost::filesystem::path& dir, const std::string& s, const char* which) {
  const char sep = static_cast<char>(boost::filesystem::path::preferred_separator);
  if (s.find('/') != std::string::npos || s.find(sep) != std::string::npos)
    throw_errno(std::string(which) + " \"" + s + "\" holds a path separator", dir, EINVAL);
  if (s.find('\0') != std::string::npos) throw_errno(std::string(which) + " holds a NUL character", dir, EINVAL);
}

// Random hex digits for names, drawn from the kernel (platform::random_bytes: getrandom or
// getentropy) 128 bytes at a time: the digits of 16 names, kept per thread, so a name costs no
// syscall of its own (measured: Boost's unique_path() took ~330 instructions per name for the same
// digits). When the kernel has no such call (old kernels), the digits come from unique_path(). The
// pool is dropped in a child after fork(), which must not reuse its parent's next names.
class digit_pool {
 public:
  // Appends `digits` (at most 256) random hex digits to out.
  template <class String>  // platform::path_string (a template: only the right branch is compiled)
  void append_to(String& out, std::size_t digits) {
    const std::uint64_t me = current_instance();
    if (me != owner_ || pos_ + digits > sizeof hex_) refill(me);
    if constexpr (sizeof(typename String::value_type) == 1)
      out.append(hex_ + pos_, digits);  // as before: no temporary string
    else
      out.append(hex_ + pos_, hex_ + pos_ + digits);  // widened
    pos_ += digits;
  }

 private:
  void refill(std::uint64_t me) {
    unsigned char raw[sizeof hex_ / 2];
    if (platform::random_bytes(raw, sizeof raw) == 0) {
      // Made on the stack and copied: written in place, each byte looked the thread-local's address
      // up again in a shared library (a __tls_get_addr call per byte, ~16 per name).
      static const char digit[] = "0123456789abcdef";
      char h[sizeof hex_];
      for (std::size_t i = 0; i < sizeof raw; ++i) {
        h[2 * i] = digit[raw[i] >> 4];
        h[2 * i + 1] = digit[raw[i] & 15];
      }
      std::memcpy(hex_, h, sizeof hex_);
    } else {
      static const boost::filesystem::path model(std::string(sizeof hex_, '%'));
      const std::string h = boost::filesystem::unique_path(model).string();
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

void check_affix_chars(const boost::filesystem::path& dir, const std::string& prefix, const std::string& suffix) {
  check_affix(dir, prefix, "prefix");
  check_affix(dir, suffix, "suffix");
}

void validate_affixes(const boost::filesystem::path& dir, const std::string& prefix, const std::string& suffix,
                      std::size_t name_max, std::size_t digits) {
  check_affix_chars(dir, prefix, suffix);
  if (digits == 0 || digits > max_random_digits)
    throw_errno("a random part of " + std::to_string(digits) + " digits (1 to " + std::to_string(max_random_digits) +
                    " are possible)",
                dir, EINVAL);
  const std::size_t len = prefix.size() + digits + suffix.size();
  if (len > name_max)
    throw_errno("a name of " + std::to_string(len) + " bytes (prefix " + std::to_string(prefix.size()) +
                    " + " + std::to_string(digits) + " random + suffix " + std::to_string(suffix.size()) +
                    ") exceeds the filesystem's limit of " + std::to_string(name_max),
                dir, ENAMETOOLONG);
}

bool spec_of(const create_options& opt, entry_type kind, const boost::filesystem::path& dir, create_spec& spec,
             boost::system::error_code* ec, bool atomic) {
  if (opt.keep_mode() && !atomic) {
    fail(ec, "keep_mode applies to atomic files (create_atomic_file), which have a destination to take it from", dir,
         EINVAL);
    return false;
  }
  spec.kind = kind;
  spec.digits = opt.random_length();
  spec.keep_open = opt.keep_open();
  if (opt.mode()) {
    if ((*opt.mode() & ~0777u) != 0) {
      char m[16];
      std::snprintf(m, sizeof m, "%04o", *opt.mode());
      fail(ec, std::string("mode ") + m + " holds bits other than permissions (0777)", dir, EINVAL);
      return false;
    }
    spec.mode = *opt.mode();
  }
  if (kind == entry_type::directory && opt.keep_open()) {
    fail(ec, "keep_open applies to files, not to temporary directories", dir, EINVAL);
    return false;
  }
  return true;
}

namespace {

// Removes what the loop made when a later step failed (the name is ours: it was made O_EXCL).
void undo(platform::handle at, const platform::path_char* name, entry_type kind, platform::handle& fd) noexcept {
  (void)platform::close(fd);
  fd = platform::no_handle;
  (void)platform::remove_name(at, name, kind == entry_type::directory);
}

// How an object is created and given its mode (create_unique's and create_named's common part).
struct create_modes {
  unsigned open_mode;  // passed to open / mkdir
  unsigned wanted;     // the mode it must end with
  bool chmod;          // set_mode after the create
  bool need_fd;
};

create_modes modes_of(const create_spec& spec, create_observer* observer) noexcept {
  const bool is_file = spec.kind != entry_type::directory;
  const unsigned base_mode = is_file ? 0600u : 0700u;
  const bool umasked = is_file && spec.umask_mode;
  create_modes m;
  m.wanted = spec.mode != 0 ? (spec.mode & 0777) : base_mode;
  const bool observer_sets_mode = observer && observer->sets_mode();
  // Created with 0600 / 0700 and then given the mode, or (when the observer checks it) created with
  // the mode, which the umask can only narrow, and corrected by the observer if it did.
  m.open_mode = umasked ? 0666 : observer_sets_mode ? m.wanted : base_mode;
  m.chmod = !umasked && !observer_sets_mode && m.wanted != base_mode;
  m.need_fd = m.chmod || (is_file && spec.keep_open) || (observer && observer->needs_descriptor());
  return m;
}

// What follows a successful create at p (name: p as passed to the create, relative to at): the
// mode, the observer's after_create, the descriptor kept or closed. On failure the object is
// removed (the name is ours: made O_EXCL) and the error thrown.
created finish_created(boost::filesystem::path& p, platform::handle at, const platform::path_char* name,
                       const create_spec& spec, const create_modes& m, create_observer* observer, platform::handle fd) {
  const bool is_file = spec.kind != entry_type::directory;
  int err = 0;
  if (!is_file) {
    // Ours: a name made O_EXCL a moment ago, in a directory where nobody else may rename our
    // entries (the root, or a directory checked like one).
    if (m.need_fd && (err = platform::open_dir_at(at, name, fd)) != 0) {
      undo(at, name, spec.kind, fd);
      if (observer) observer->not_created(p);
      throw_errno("cannot open the temporary directory just made", p, err);
    }
  }
  if (m.chmod && (err = platform::set_mode(fd, m.wanted)) != 0) {
    undo(at, name, spec.kind, fd);
    if (observer) observer->not_created(p);
    char mode[16];
    std::snprintf(mode, sizeof mode, "%04o", m.wanted);
    throw_errno(std::string("cannot give mode ") + mode + " to the new temporary " + (is_file ? "file" : "directory"),
                p, err);
  }
  if (observer) {
    try {
      observer->after_create(p, fd);
    } catch (...) {
      undo(at, name, spec.kind, fd);
      observer->not_created(p);
      throw;
    }
  }
  created c;
  c.path = std::move(p);
  if (is_file && spec.keep_open) {
    c.fd = fd;
  } else {
    (void)platform::close(fd);
  }
  return c;
}

}  // namespace

int create_named(boost::filesystem::path& p, const create_spec& spec, create_observer* observer, created& out) {
  if (spec.kind == entry_type::directory) return EINVAL;
  const create_modes m = modes_of(spec, observer);
  if (observer) observer->before_create(p);
  platform::handle fd = platform::no_handle;
  if (const int err = platform::create_file(platform::no_handle, p.c_str(), m.open_mode, &fd)) {
    if (observer) observer->not_created(p);
    return err;
  }
  out = finish_created(p, platform::no_handle, p.c_str(), spec, m, observer, fd);
  return 0;
}

created create_unique(const boost::filesystem::path& dir, const std::string& prefix, const std::string& suffix,
                      std::size_t name_max, const create_spec& spec, create_observer* observer, bool affixes_checked,
                      platform::handle dir_fd) {
  if (!affixes_checked) validate_affixes(dir, prefix, suffix, name_max, spec.digits);
  const bool is_file = spec.kind != entry_type::directory;
  const create_modes m = modes_of(spec, observer);
  constexpr int max_attempts = 100;
  // The whole path is built in one string (one allocation), then handed to the path.
  platform::path_string full;
  full.reserve(dir.native().size() + 1 + prefix.size() + spec.digits + suffix.size());
  full = dir.native();
  const platform::path_char sep = boost::filesystem::path::preferred_separator;
  if (full.empty() || (full.back() != '/' && full.back() != sep)) full += sep;
  const std::size_t name_at = full.size();
  boost::filesystem::path p;
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    full.resize(name_at);
    platform::append_narrow(full, prefix);
    pool.append_to(full, spec.digits);
    platform::append_narrow(full, suffix);
    p = boost::filesystem::path(std::move(full));
    if (observer) observer->before_create(p);
    // Relative to the directory's descriptor when there is one: no path walk, and the directory
    // created in is the one opened, whatever happens to its path meanwhile.
    const platform::handle at = dir_fd;
    const platform::path_char* name = dir_fd != platform::no_handle ? p.c_str() + name_at : p.c_str();
    platform::handle fd = platform::no_handle;
    const int err = is_file ? platform::create_file(dir_fd, name, m.open_mode, &fd)
                            : platform::create_dir(dir_fd, name, m.open_mode);
    if (err == 0) return finish_created(p, at, name, spec, m, observer, fd);
    if (observer) observer->not_created(p);
    if (err != EEXIST)
      throw_errno(is_file ? "cannot create temporary file" : "cannot create temporary directory", p, err);
    full = p.native();
  }
  throw_errno("no free name after " + std::to_string(max_attempts) + " attempts", p, EEXIST);
}

}  // namespace detail
}  // namespace boost_tempfm
