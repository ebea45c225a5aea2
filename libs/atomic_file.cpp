// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include <boost_tempfm/atomic_file.hpp>

#include "detail/errors.hpp"

#include <utility>

namespace boost_tempfm {

atomic_file::atomic_file(std::shared_ptr<detail::manager_state> state, boost::filesystem::path p, std::uint64_t id,
                         native_handle_type fd, boost::filesystem::path destination) noexcept
    : temp_file(std::move(state), std::move(p), id, fd), dest_(std::move(destination)) {}

atomic_file::atomic_file(atomic_file&& other) noexcept
    : temp_file(std::move(other)), dest_(std::move(other.dest_)), committed_(std::exchange(other.committed_, false)) {}

atomic_file& atomic_file::operator=(atomic_file&& other) noexcept {
  if (this != &other) {
    temp_file::operator=(std::move(other));
    dest_ = std::move(other.dest_);
    committed_ = std::exchange(other.committed_, false);
  }
  return *this;
}

void atomic_file::commit_impl(const persist_options& opt, boost::system::error_code* ec) {
  const boost::filesystem::path& src = given_path();
  // Whether the manager still tracks it is asked once, by persist_into's hold (one lock less).
  if (committed_ || src.empty() || !state())
    return detail::fail(ec,
                        committed_ ? "cannot commit twice"
                                   : "cannot commit: the temp file was released or removed (cleanup_all?)",
                        src, dest_, ENOENT);
  persist_options same_dir = opt;  // the temp file is in the destination's directory
  same_dir.copy_across_filesystems(false);
  struct mark {
    atomic_file& f;
    ~mark() { f.committed_ = f.given_path().empty(); }  // moved, also when only the directory's fsync failed
  } m{*this};
  persist_into(dest_, same_dir, ec, true);
}

void atomic_file::commit(const persist_options& opt) { commit_impl(opt, nullptr); }

void atomic_file::commit(const persist_options& opt, boost::system::error_code& ec) noexcept {
  detail::with_error_code(ec, [&](boost::system::error_code* e) { commit_impl(opt, e); });
}

void atomic_file::commit(boost::system::error_code& ec) noexcept { commit({}, ec); }

}  // namespace boost_tempfm
