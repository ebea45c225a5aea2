// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_PERSIST_OPTIONS_HPP
#define BOOST_TEMPFM_PERSIST_OPTIONS_HPP

#include <boost_tempfm/config.hpp>

namespace boost_tempfm {

// How temp_file::persist() and atomic_file::commit() put a file in place, each setting named:
//
//   f.persist(dest, persist_options().no_clobber().copy_across_filesystems());
class persist_options {
 public:
  // Fail with EEXIST, leaving both files as they are, if the destination exists:
  // renameat2(RENAME_NOREPLACE), or link + unlink where the filesystem lacks it. By default the
  // destination is replaced atomically (rename).
  persist_options& no_clobber(bool on = true) {
    no_clobber_ = on;
    return *this;
  }
  // fsync the file before the rename and the destination's directory after it, so that after a
  // crash the destination holds either its old content or all of the new. On by default.
  persist_options& sync(bool on = true) {
    sync_ = on;
    return *this;
  }
  // persist() only: when the destination is on another filesystem than the file (EXDEV), copy the
  // content into a new file in the destination's directory and rename that into place (then remove
  // the original). By default persist() then fails with EXDEV naming both paths.
  persist_options& copy_across_filesystems(bool on = true) {
    copy_ = on;
    return *this;
  }

  bool no_clobber() const noexcept { return no_clobber_; }
  bool sync() const noexcept { return sync_; }
  bool copy_across_filesystems() const noexcept { return copy_; }

 private:
  bool no_clobber_ = false;
  bool sync_ = true;
  bool copy_ = false;
};

}  // namespace boost_tempfm

#endif  // BOOST_TEMPFM_PERSIST_OPTIONS_HPP
