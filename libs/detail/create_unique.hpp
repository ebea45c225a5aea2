// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LIBS_CREATE_UNIQUE_HPP
#define BOOST_TEMPFM_LIBS_CREATE_UNIQUE_HPP

#include "../platform/platform.hpp"
#include <boost_tempfm/create_options.hpp>
#include <boost_tempfm/registry.hpp>

#include <boost/filesystem/path.hpp>

#include <cstddef>
#include <string>

namespace boost_tempfm {
namespace detail {

// The number of random hex digits between prefix and suffix, by default, and at most.
constexpr std::size_t random_digits = 16;
constexpr std::size_t max_random_digits = 256;

// Throws filesystem_error(invalid_argument) naming dir when prefix or suffix hold '/' or NUL.
void check_affix_chars(const boost::filesystem::path& dir, const std::string& prefix, const std::string& suffix);

// check_affix_chars, and filesystem_error(filename_too_long) when the name would be longer than
// name_max.
void validate_affixes(const boost::filesystem::path& dir, const std::string& prefix, const std::string& suffix,
                      std::size_t name_max, std::size_t digits = random_digits);

// Told about each name before the loop creates it, so that it can be registered first (a process
// killed between the two must not leave an untracked file), about each object made (with a
// descriptor of it, for its identity), and about each name that could not be created after all
// (taken, or an error), so that it can be unregistered.
class create_observer {
 public:
  virtual void before_create(const boost::filesystem::path& p) = 0;
  // fd: the object made (the file, or the directory opened O_NOFOLLOW), valid during the call; no_handle
  // when needs_descriptor() is false and the loop had none. May throw: the object is then removed.
  virtual void after_create(const boost::filesystem::path&, platform::handle /*fd*/) {}
  virtual bool needs_descriptor() const noexcept { return false; }
  // True if after_create() gives the object its exact mode itself (it inspects it anyway, for its
  // identity): the loop then creates with the wanted mode (less the umask) and sets none.
  virtual bool sets_mode() const noexcept { return false; }
  virtual void not_created(const boost::filesystem::path& p) noexcept = 0;

 protected:
  ~create_observer() = default;
};

struct create_spec {
  entry_type kind = entry_type::file;
  std::size_t digits = random_digits;  // random hex digits in the name
  // 0: 0600 for a file, 0700 for a directory. Otherwise the object is created with those and then
  // given this mode (permission bits only) through its descriptor: never more open than asked.
  unsigned mode = 0;
  bool keep_open = false;  // a file: its descriptor is returned (O_RDWR|O_CLOEXEC)
  // A file: created 0666 less the umask, as open() makes a new file (what an atomic save of a new
  // destination gets); mode is then ignored.
  bool umask_mode = false;
};

struct created {
  boost::filesystem::path path;
  platform::handle fd = platform::no_handle;  // with keep_open
};

// The checks every create call makes on its options (mode, keep_open for directories), and the
// spec they give; the name's own (affixes, length, digits) are made by the create loop. False after
// a failure reported through ec (see errors.hpp), naming dir. atomic: for create_atomic_file, the
// one call that accepts keep_mode.
bool spec_of(const create_options& opt, entry_type kind, const boost::filesystem::path& dir, create_spec& spec,
             boost::system::error_code* ec, bool atomic = false);

// The one create-unique loop for files and directories: dir/<prefix><random><suffix>, made with
// open(O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0600) or mkdir(0700). A name that exists is retried
// with new random digits; after 100 collisions, or on any other error, throws filesystem_error
// naming the path. affixes_checked: validate_affixes() already passed for these (the hot path of a
// manager's own prefix and no suffix). dir_fd: a descriptor of dir (platform::open_dir_ref) to
// create relative to, or platform::no_handle.
created create_unique(const boost::filesystem::path& dir, const std::string& prefix, const std::string& suffix,
                      std::size_t name_max, const create_spec& spec, create_observer* observer = nullptr,
                      bool affixes_checked = false, platform::handle dir_fd = platform::no_handle);

// One attempt at the file p (a full path, no random part): made like one of create_unique's names
// (O_CREAT|O_EXCL|O_NOFOLLOW, the observer told before and after), nothing retried. 0 and out set
// on success; otherwise the create's errno (EEXIST: something is there, a symlink included; it is
// left alone) after observer->not_created(). A failure after the create throws as create_unique.
// Files only (EINVAL for a directory spec).
int create_named(boost::filesystem::path& p, const create_spec& spec, create_observer* observer, created& out);

// The same, returning the path only (the tests' form).
inline boost::filesystem::path create_unique(const boost::filesystem::path& dir, const std::string& prefix,
                                             const std::string& suffix, entry_type kind, std::size_t name_max,
                                             std::size_t digits = random_digits) {
  create_spec s;
  s.kind = kind;
  s.digits = digits;
  return create_unique(dir, prefix, suffix, name_max, s).path;
}

}  // namespace detail
}  // namespace boost_tempfm

#endif
