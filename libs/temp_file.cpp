// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include <boost_tempfm/temp_file.hpp>

#include "detail/errors.hpp"
#include "detail/manager_state.hpp"
#include "platform/platform.hpp"

#include <utility>

namespace boost_tempfm {

temp_file::temp_file(std::shared_ptr<detail::manager_state> state, boost::filesystem::path p, std::uint64_t id,
                     native_handle_type fd) noexcept
    : tracked_path(std::move(state), std::move(p), id), fd_(fd) {}

temp_file::temp_file(temp_file&& other) noexcept
    : tracked_path(std::move(other)), fd_(std::exchange(other.fd_, no_native_handle)) {}

temp_file& temp_file::operator=(temp_file&& other) noexcept {
  if (this != &other) {
    (void)detail::platform::close(fd_);
    fd_ = std::exchange(other.fd_, no_native_handle);
    tracked_path::operator=(std::move(other));
  }
  return *this;
}

temp_file::~temp_file() {
  (void)detail::platform::close(fd_);  // before the removal: nothing of ours keeps the inode busy
}

void temp_file::close_impl(boost::system::error_code* ec) {
  if (fd_ == no_native_handle) return;
  // The descriptor is gone whatever close() says (Linux never keeps it after EINTR or EIO).
  if (const int err = detail::platform::close(std::exchange(fd_, no_native_handle)))
    detail::fail(ec, "cannot close the temporary file", path(), err);
}

void temp_file::close(boost::system::error_code& ec) noexcept {
  detail::with_error_code(ec, [&](boost::system::error_code* e) { close_impl(e); });
}

void temp_file::close() { close_impl(nullptr); }

}  // namespace boost_tempfm
