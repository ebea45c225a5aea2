// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_ATOMIC_FILE_HPP
#define BOOST_TEMPFM_ATOMIC_FILE_HPP

#include <boost_tempfm/persist_options.hpp>
#include <boost_tempfm/temp_file.hpp>

#include <boost/filesystem/path.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <memory>

namespace boost_tempfm {

// Atomic save (Qt's QSaveFile, LLVM's TempFile::keep, Rust's persist): a temp file made in the
// destination's own directory (".<name>.<16 hex>.tmp"), written through its open descriptor, then
// put in place by commit(). Until then the destination is untouched; readers see the old content or
// all of the new, never a part. Destroyed without commit() (an exception, an early return), the
// temp file is removed. A process killed before commit() leaves an orphan that the registry of its
// manager's root knows by path; a sweep removes it by name, as for files made in the root (the name
// holds 64 random bits and was made O_EXCL|O_NOFOLLOW: a symlink planted there is unlinked, never
// followed; a directory there is left alone). Made by temp_file_manager::create_atomic_file().
//
// Mode: by default what open(O_CREAT, 0666) gives a new file, 0666 less the umask, like the raw
// open + write + close + rename it replaces, whatever the destination's mode. To keep a secret
// file private (a 0600 key replaced under umask 022 would become 0644), create it with
// create_options().keep_mode() (the destination's permission bits) or .mode(0600).
//   destination()  where commit() puts it
//   path()         the temp file (empty after commit)
//   native_handle(), temp_file_stream: write through the descriptor (flush the stream first)
class BOOST_TEMPFM_DECL atomic_file : public temp_file {
 public:
  atomic_file() noexcept = default;
  // For the manager (temp_file's, and the destination, absolute and normalised).
  atomic_file(std::shared_ptr<detail::manager_state> state, boost::filesystem::path p, std::uint64_t id,
              native_handle_type fd, boost::filesystem::path destination) noexcept;
  atomic_file(atomic_file&& other) noexcept;
  atomic_file& operator=(atomic_file&& other) noexcept;
  ~atomic_file() = default;  // ~temp_file removes the temp file if it was not committed

  const boost::filesystem::path& destination() const noexcept { return dest_; }
  bool committed() const noexcept { return committed_; }

  // fsync (unless opt.sync(false)), rename over the destination (with opt.no_clobber():
  // renameat2(RENAME_NOREPLACE), EEXIST if it exists, and then nothing moved), fsync of the
  // directory (paths as named at creation). Afterwards path() is empty, committed() is true and the descriptor stays open on the
  // destination's file. Committing twice, or after remove()/release(): ENOENT. Errors name the temp
  // file and the destination.
  void commit(const persist_options& opt = {});
  void commit(const persist_options& opt, boost::system::error_code& ec) noexcept;
  void commit(boost::system::error_code& ec) noexcept;

 private:
  void commit_impl(const persist_options& opt, boost::system::error_code* ec);

  boost::filesystem::path dest_;
  bool committed_ = false;
};

}  // namespace boost_tempfm

#endif  // BOOST_TEMPFM_ATOMIC_FILE_HPP
