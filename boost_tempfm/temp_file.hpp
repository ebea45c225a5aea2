// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_TEMP_FILE_HPP
#define BOOST_TEMPFM_TEMP_FILE_HPP

#include <boost_tempfm/config.hpp>
#include <boost_tempfm/detail/tracked_path.hpp>
#include <boost_tempfm/persist_options.hpp>

#include <boost/filesystem/path.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <memory>

namespace boost_tempfm {

// Move-only handle to a temporary file, created exclusively (O_CREAT|O_EXCL|O_NOFOLLOW) with mode
// 0600 unless asked otherwise.
//   path()          the absolute path (empty once released or removed)
//   native_handle() the descriptor of the exclusive create when made with keep_open, else
//                   no_native_handle
//   close()         close that descriptor now (the file stays, still tracked)
//   persist(dest)   rename it to dest (atomically; see persist_options), and stop managing it
//   release()       stop managing it; it stays on disk; returns the path
//   remove()        remove it now, reporting failure (throwing and error_code overloads)
//   ~temp_file()    closes the descriptor and removes the file, also during exception unwinding
//                   (logged as such); never throws
class BOOST_TEMPFM_DECL temp_file : public detail::tracked_path {
 public:
  temp_file() noexcept = default;
  // For the manager: fd (or -1) is owned by the handle from now on.
  temp_file(std::shared_ptr<detail::manager_state> state, boost::filesystem::path p, std::uint64_t id,
            native_handle_type fd = no_native_handle) noexcept;
  temp_file(temp_file&& other) noexcept;
  temp_file& operator=(temp_file&& other) noexcept;
  ~temp_file();

  // The descriptor (O_RDWR|O_CLOEXEC, from the exclusive create, never reopened), or no_native_handle (-1 on POSIX).
  native_handle_type native_handle() const noexcept { return fd_; }
  bool is_open() const noexcept { return fd_ != no_native_handle; }

  // Closes the descriptor and reports failure (the destructor ignores it); the file stays, and
  // stays tracked. No descriptor: nothing to do.
  void close();
  void close(boost::system::error_code& ec) noexcept;

  // Puts the file at dest (Rust's persist / persist_noclobber, LLVM's keep(Name)): fsync (unless
  // opt.sync(false)), rename into dest's directory (RENAME_NOREPLACE with opt.no_clobber()), fsync
  // of that directory. Then the handle owns nothing and path() is empty; a kept descriptor stays
  // open on the file, now at dest. Across filesystems it fails with EXDEV naming both paths, unless
  // opt.copy_across_filesystems(): the content is then copied into a new file in dest's directory
  // (registered while it exists), which is renamed into place, and the original is removed; the
  // kept descriptor is then one of the new file, at the same offset. On failure nothing moved: the
  // handle still owns its file (except that a failed fsync of the directory after the rename is
  // reported with the file already at dest). Errors name the file and dest.
  void persist(const boost::filesystem::path& dest, const persist_options& opt = {});
  void persist(const boost::filesystem::path& dest, const persist_options& opt,
               boost::system::error_code& ec) noexcept;
  void persist(const boost::filesystem::path& dest, boost::system::error_code& ec) noexcept;

 protected:
  void set_native_handle(native_handle_type fd) noexcept { fd_ = fd; }
  // persist() to dest (absolute, normalised), the file being given_path(). remember_name: an atomic
  // commit; the manager may keep the name, free again once renamed, for the next save to dest.
  void persist_into(const boost::filesystem::path& dest, const persist_options& opt, boost::system::error_code* ec,
                    bool remember_name = false);

 private:
  void close_impl(boost::system::error_code* ec);
  void persist_impl(const boost::filesystem::path& dest, const persist_options& opt, boost::system::error_code* ec);
  // The EXDEV fallback: a copy in dest's directory renamed to dest, then the original removed.
  void copy_into(const boost::filesystem::path& dest, const persist_options& opt, boost::system::error_code* ec);

  native_handle_type fd_ = no_native_handle;
};

}  // namespace boost_tempfm

#endif  // BOOST_TEMPFM_TEMP_FILE_HPP
