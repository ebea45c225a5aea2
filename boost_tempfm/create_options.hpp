// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_CREATE_OPTIONS_HPP
#define BOOST_TEMPFM_CREATE_OPTIONS_HPP

#include <boost_tempfm/config.hpp>

#include <boost/filesystem/path.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <utility>

namespace boost_tempfm {

// How to make one temp file, directory, unnamed file or atomic file: a builder in the style of
// Rust's tempfile::Builder, each setter naming what it sets (no positional boolean).
//
//   m.create_temp_file(create_options().suffix(".mkv").mode(0640).keep_open());
//
// Every setting is checked by the create call, which reports a bad one (EINVAL, ENAMETOOLONG)
// naming the directory and the reason, and creates nothing.
class create_options {
 public:
  // The name is <prefix><random hex digits><suffix>; neither may hold '/' or NUL.
  create_options& prefix(std::string p) {
    prefix_ = std::move(p);
    return *this;
  }
  create_options& suffix(std::string s) {
    suffix_ = std::move(s);
    return *this;
  }
  // Where to create it instead of the root: an existing directory checked like a root (owned by
  // this user, or by root and sticky; nobody else may write it unless it is sticky; no other user's
  // symlink on the way). What is made there is tracked in the manager's own registry, with an
  // absolute path (removed by name, as in the root: a random name made O_EXCL), and nothing else
  // is written to that directory.
  create_options& directory(boost::filesystem::path d) {
    directory_ = std::move(d);
    return *this;
  }
  // Permission bits (for example 0640 to share with a group); by default 0600 for files and 0700
  // for directories, and for an atomic file 0666 less the umask, as open(2) makes a new file. The
  // object is created with those and then given this mode through its descriptor, so it is never
  // more open than asked, whatever the umask.
  create_options& mode(unsigned permissions) {
    mode_ = permissions;
    return *this;
  }
  // Atomic files only (create_atomic_file; other create calls refuse it, EINVAL): the temp file
  // gets the permission bits of the destination if that is a regular file now (one fstatat, as
  // QSaveFile does), so that a commit over a private 0600 file keeps it private. When there is no
  // such destination, mode() if given, else 0666 less the umask.
  create_options& keep_mode(bool on = true) {
    keep_mode_ = on;
    return *this;
  }
  // Files only: the handle keeps the descriptor of the exclusive create (O_RDWR|O_CLOEXEC), never
  // reopened: native_handle(), and temp_file_stream over it. By default the descriptor is closed at
  // once, so that a program making 100,000 files does not hold 100,000 descriptors.
  create_options& keep_open(bool on = true) {
    keep_open_ = on;
    return *this;
  }
  // The number of random hex digits in the name: 16 (64 bits) by default, 1 to 256.
  create_options& random_length(std::size_t digits) {
    random_length_ = digits;
    return *this;
  }
  // Neither tracked nor removed: the handle only carries the path (and descriptor). The seed's
  // create_temp_file(suffix, prefix, remove = false), and Rust's Builder::keep.
  create_options& keep(bool on = true) {
    keep_ = on;
    return *this;
  }

  const std::optional<std::string>& prefix() const noexcept { return prefix_; }
  const std::string& suffix() const noexcept { return suffix_; }
  const boost::filesystem::path& directory() const noexcept { return directory_; }
  const std::optional<unsigned>& mode() const noexcept { return mode_; }
  bool keep_open() const noexcept { return keep_open_; }
  std::size_t random_length() const noexcept { return random_length_; }
  bool keep() const noexcept { return keep_; }
  bool keep_mode() const noexcept { return keep_mode_; }

 private:
  std::optional<std::string> prefix_;  // empty: the manager's
  std::string suffix_;
  boost::filesystem::path directory_;  // empty: the root
  std::optional<unsigned> mode_;
  std::size_t random_length_ = 16;
  bool keep_open_ = false;
  bool keep_ = false;
  bool keep_mode_ = false;
};

}  // namespace boost_tempfm

#endif  // BOOST_TEMPFM_CREATE_OPTIONS_HPP
