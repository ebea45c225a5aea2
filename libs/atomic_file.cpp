// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include <boost_tempfm/atomic_file.hpp>

#include "detail/errors.hpp"

#include <unistd.h>

#include <utility>

namespace boost_tempfm {

atomic_file::atomic_file(temp_file f, boost::filesystem::path destination, int dir_fd) noexcept
    : temp_file(std::move(f)), dest_(std::move(destination)), dir_fd_(dir_fd) {}

atomic_file::atomic_file(atomic_file&& other) noexcept
    : temp_file(std::move(other)),
      dest_(std::move(other.dest_)),
      dir_fd_(std::exchange(other.dir_fd_, -1)),
      committed_(std::exchange(other.committed_, false)) {}

atomic_file& atomic_file::operator=(atomic_file&& other) noexcept {
  if (this != &other) {
    temp_file::operator=(std::move(other));
    dest_ = std::move(other.dest_);
    if (dir_fd_ >= 0) ::close(dir_fd_);
    dir_fd_ = std::exchange(other.dir_fd_, -1);
    committed_ = std::exchange(other.committed_, false);
  }
  return *this;
}

atomic_file::~atomic_file() {
  if (dir_fd_ >= 0) ::close(dir_fd_);
  // ~temp_file removes the temp file if it was not committed.
}

void atomic_file::commit_impl(const persist_options& opt, boost::system::error_code* ec) {
  const boost::filesystem::path src = given_path();
  if (committed_ || src.empty() || dir_fd_ < 0 || !owns())
    return detail::fail(ec,
                        committed_ ? "cannot commit twice"
                                   : "cannot commit: the temp file was released or removed (cleanup_all?)",
                        src, dest_, ENOENT);
  // Both names in the directory opened at creation: the temp file is its child, and so is the
  // destination.
  persist_options same_dir = opt;
  same_dir.copy_across_filesystems(false);
  struct mark {
    atomic_file& f;
    ~mark() { f.committed_ = f.given_path().empty(); }  // moved, also when only the directory's fsync failed
  } m{*this};
  persist_into(dir_fd_, src.filename().c_str(), dir_fd_, dest_.filename().c_str(), dest_, same_dir, ec);
}

void atomic_file::commit(const persist_options& opt) { commit_impl(opt, nullptr); }

void atomic_file::commit(const persist_options& opt, boost::system::error_code& ec) noexcept {
  detail::with_error_code(ec, [&](boost::system::error_code* e) { commit_impl(opt, e); });
}

void atomic_file::commit(boost::system::error_code& ec) noexcept { commit({}, ec); }

}  // namespace boost_tempfm
