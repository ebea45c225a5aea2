// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_UNNAMED_FILE_HPP
#define BOOST_TEMPFM_UNNAMED_FILE_HPP

#include <boost_tempfm/config.hpp>
#include <boost_tempfm/persist_options.hpp>

#include <boost/filesystem/path.hpp>
#include <boost/system/error_code.hpp>

namespace boost_tempfm {

// A scratch file with no name (Linux O_TMPFILE; CPython's TemporaryFile, Rust's tempfile()): an
// open descriptor of a file in a directory's filesystem that no directory lists. Nothing to clean
// up: the kernel frees it when the descriptor closes, also after SIGKILL or a power loss. Not in any
// registry. Made by temp_file_manager::create_unnamed_file(). Move-only.
//   native_handle()  the descriptor (O_RDWR|O_CLOEXEC); temp_file_stream works over it
//   link_to(dest)    give it a name (linkat), after which it is an ordinary file that stays
//   path()           empty until link_to() named it, then that name
//   ~unnamed_file()  closes the descriptor (never throws)
class BOOST_TEMPFM_DECL unnamed_file {
 public:
  unnamed_file() noexcept = default;
  // For the manager: fd is owned by the handle from now on.
  explicit unnamed_file(native_handle_type fd) noexcept : fd_(fd) {}
  unnamed_file(unnamed_file&& other) noexcept;
  unnamed_file& operator=(unnamed_file&& other) noexcept;
  unnamed_file(const unnamed_file&) = delete;
  unnamed_file& operator=(const unnamed_file&) = delete;
  ~unnamed_file();

  native_handle_type native_handle() const noexcept { return fd_; }
  bool is_open() const noexcept { return fd_ != no_native_handle; }
  const boost::filesystem::path& path() const noexcept { return linked_; }

  // Gives the file the name dest, which must be on the filesystem it was made in (else EXDEV,
  // naming dest): fsync (unless opt.sync(false)), linkat under a staging name in dest's directory
  // and rename over dest (with opt.no_clobber(): linkat to dest itself, EEXIST if it exists), fsync
  // of the directory. The descriptor stays open; calling it again adds another name.
  // copy_across_filesystems() is refused (EINVAL): make the file where its name will be.
  void link_to(const boost::filesystem::path& dest, const persist_options& opt = {});
  void link_to(const boost::filesystem::path& dest, const persist_options& opt,
               boost::system::error_code& ec) noexcept;
  void link_to(const boost::filesystem::path& dest, boost::system::error_code& ec) noexcept;

  // Closes the descriptor now and reports failure (the destructor ignores it).
  void close();
  void close(boost::system::error_code& ec) noexcept;

 private:
  void link_impl(const boost::filesystem::path& dest, const persist_options& opt, boost::system::error_code* ec);
  void close_impl(boost::system::error_code* ec);

  native_handle_type fd_ = no_native_handle;
  boost::filesystem::path linked_;
};

}  // namespace boost_tempfm

#endif  // BOOST_TEMPFM_UNNAMED_FILE_HPP
