// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LIBS_CREATE_UNIQUE_HPP
#define BOOST_TEMPFM_LIBS_CREATE_UNIQUE_HPP

#include <boost/filesystem/path.hpp>

#include <cstddef>
#include <string>

namespace boost_tempfm {
namespace detail {

enum class entry_kind : unsigned char { file, directory };

// The number of random hex digits between prefix and suffix.
constexpr std::size_t random_digits = 16;

// Throws filesystem_error(invalid_argument / filename_too_long) naming dir when prefix or suffix
// hold '/' or NUL, or when the name would be longer than name_max.
void validate_affixes(const boost::filesystem::path& dir, const std::string& prefix,
                      const std::string& suffix, std::size_t name_max);

// Told about each name before the loop creates it, so that it can be registered first (a process
// killed between the two must not leave an untracked file), and about each name that could not
// be created after all (taken, or an error), so that it can be unregistered.
class create_observer {
 public:
  virtual void before_create(const boost::filesystem::path& p) = 0;
  virtual void not_created(const boost::filesystem::path& p) noexcept = 0;

 protected:
  ~create_observer() = default;
};

// The one create-unique loop for files and directories: dir/<prefix><random><suffix>, made with
// open(O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0600) or mkdir(0700). A name that exists is retried
// with new random digits; after 100 collisions, or on any other error, throws filesystem_error
// naming the path. Returns the path created. `digits` is only ever changed by tests, to make
// collisions certain. affixes_checked: validate_affixes() already passed for these (the hot path
// of a manager's own prefix and no suffix). dir_fd: a descriptor of dir (O_PATH is enough) to
// create relative to, or -1.
boost::filesystem::path create_unique(const boost::filesystem::path& dir, const std::string& prefix,
                                      const std::string& suffix, entry_kind kind, std::size_t name_max,
                                      std::size_t digits = random_digits, create_observer* observer = nullptr,
                                      bool affixes_checked = false, int dir_fd = -1);

}  // namespace detail
}  // namespace boost_tempfm

#endif
