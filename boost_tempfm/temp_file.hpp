// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_TEMP_FILE_HPP
#define BOOST_TEMPFM_TEMP_FILE_HPP

#include <boost_tempfm/detail/tracked_path.hpp>

#include <boost/filesystem/path.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <memory>

namespace boost_tempfm {

// Move-only handle to a temporary file, created exclusively (O_CREAT|O_EXCL|O_NOFOLLOW) with mode
// 0600 unless asked otherwise.
//   path()          the absolute path (empty once released or removed)
//   native_handle() the descriptor of the exclusive create when made with keep_open, else -1
//   close()         close that descriptor now (the file stays, still tracked)
//   release()       stop managing it; it stays on disk; returns the path
//   remove()        remove it now, reporting failure (throwing and error_code overloads)
//   ~temp_file()    closes the descriptor and removes the file, also during exception unwinding;
//                   never throws
class BOOST_TEMPFM_DECL temp_file : public detail::tracked_path {
 public:
  temp_file() noexcept = default;
  // For the manager: fd (or -1) is owned by the handle from now on.
  temp_file(std::shared_ptr<detail::manager_state> state, boost::filesystem::path p, std::uint64_t id,
            int fd = -1) noexcept;
  temp_file(temp_file&& other) noexcept;
  temp_file& operator=(temp_file&& other) noexcept;
  ~temp_file();

  // The descriptor (O_RDWR|O_CLOEXEC, from the exclusive create, never reopened), or -1.
  int native_handle() const noexcept { return fd_; }
  bool is_open() const noexcept { return fd_ >= 0; }

  // Closes the descriptor and reports failure (the destructor ignores it); the file stays, and
  // stays tracked. No descriptor: nothing to do.
  void close();
  void close(boost::system::error_code& ec) noexcept;

 private:
  void close_impl(boost::system::error_code* ec);

  int fd_ = -1;
};

}  // namespace boost_tempfm

#endif  // BOOST_TEMPFM_TEMP_FILE_HPP
