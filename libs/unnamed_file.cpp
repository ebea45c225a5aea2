// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include <boost_tempfm/unnamed_file.hpp>

#include "detail/create_unique.hpp"
#include "detail/errors.hpp"
#include "detail/file_ops.hpp"
#include "platform/platform.hpp"

#include <boost/filesystem/operations.hpp>


#include <cerrno>
#include <utility>

namespace boost_tempfm {

namespace fs = boost::filesystem;

unnamed_file::unnamed_file(unnamed_file&& other) noexcept
    : fd_(std::exchange(other.fd_, no_native_handle)), linked_(std::move(other.linked_)) {
  other.linked_.clear();
}

unnamed_file& unnamed_file::operator=(unnamed_file&& other) noexcept {
  if (this != &other) {
    (void)detail::platform::close(fd_);
    fd_ = std::exchange(other.fd_, no_native_handle);
    linked_ = std::move(other.linked_);
    other.linked_.clear();
  }
  return *this;
}

unnamed_file::~unnamed_file() {
  (void)detail::platform::close(fd_);
}

void unnamed_file::link_impl(const fs::path& dest, const persist_options& opt, boost::system::error_code* ec) {
  if (fd_ == no_native_handle) return detail::fail(ec, "cannot link: the unnamed file is closed", dest, EBADF);
  if (opt.copy_across_filesystems())
    return detail::fail(ec, "cannot link with copy_across_filesystems (create the file where its name will be)", dest,
                        EINVAL);
  detail::dest_path d;
  const char* what = nullptr;
  if (int err = detail::resolve_dest(dest, d, what)) return detail::fail(ec, what, dest, err);
  if (opt.sync())
    if (int err = detail::sync_fd(fd_)) return detail::fail(ec, "cannot sync the unnamed file", d.dest, err);
  // Windows (platform::link_open_file: EOPNOTSUPP) cannot give an open file a name.
  const char* const cannot_name = "cannot link the unnamed file: this system cannot give an open file a name";
  if (opt.no_clobber()) {
    if (int err = detail::link_fd(fd_, d.dest.c_str()))
      return detail::fail(ec,
                          err == EEXIST       ? "cannot link the unnamed file: the destination exists (no_clobber)"
                          : err == EXDEV      ? "cannot link the unnamed file to another filesystem"
                          : err == EOPNOTSUPP ? cannot_name
                                              : "cannot link the unnamed file",
                          d.dest, err);
  } else {
    // Replacing: a staging name first (linkat never replaces), then one rename over dest.
    std::string prefix, suffix;
    detail::staging_affixes(d.leaf, detail::name_max_of(d.dir), detail::random_digits, prefix, suffix);
    fs::path staging;
    int err = EEXIST;
    for (int attempt = 0; attempt < 100 && err == EEXIST; ++attempt) {
      staging = d.dir / fs::path(prefix + fs::unique_path(fs::path(std::string(detail::random_digits, '%'))).string() + suffix);
      err = detail::link_fd(fd_, staging.c_str());
    }
    if (err)
      return detail::fail(ec,
                          err == EXDEV        ? "cannot link the unnamed file to another filesystem"
                          : err == EOPNOTSUPP ? cannot_name
                                              : "cannot link the unnamed file",
                          d.dest, err);
    if (int rerr = detail::rename_into(detail::platform::no_handle, staging.c_str(), detail::platform::no_handle, d.dest.c_str(), false)) {
      (void)detail::platform::remove_name(detail::platform::no_handle, staging.c_str(), false);
      return detail::fail(ec, "cannot rename the linked file into place", staging, d.dest, rerr);
    }
  }
  linked_ = d.dest;
  if (opt.sync())
    if (int err = detail::sync_dir(d.dir)) return detail::fail(ec, "linked, but cannot sync the directory", d.dest, err);
}

void unnamed_file::link_to(const fs::path& dest, const persist_options& opt) { link_impl(dest, opt, nullptr); }

void unnamed_file::link_to(const fs::path& dest, const persist_options& opt, boost::system::error_code& ec) noexcept {
  detail::with_error_code(ec, [&](boost::system::error_code* e) { link_impl(dest, opt, e); });
}

void unnamed_file::link_to(const fs::path& dest, boost::system::error_code& ec) noexcept { link_to(dest, {}, ec); }

void unnamed_file::close_impl(boost::system::error_code* ec) {
  if (fd_ == no_native_handle) return;
  if (const int err = detail::platform::close(std::exchange(fd_, no_native_handle)))
    detail::fail(ec, "cannot close the unnamed file", linked_, err);
}

void unnamed_file::close() { close_impl(nullptr); }

void unnamed_file::close(boost::system::error_code& ec) noexcept {
  detail::with_error_code(ec, [&](boost::system::error_code* e) { close_impl(e); });
}

}  // namespace boost_tempfm
