// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include <boost_tempfm/detail/tracked_path.hpp>

#include "detail/errors.hpp"
#include "detail/manager_state.hpp"

#include <exception>
#include <utility>

namespace boost_tempfm {
namespace detail {

tracked_path::tracked_path(std::shared_ptr<manager_state> state, boost::filesystem::path p,
                           std::uint64_t id) noexcept
    : state_(std::move(state)), path_(std::move(p)), id_(id) {}

tracked_path::tracked_path(tracked_path&& other) noexcept
    : state_(std::move(other.state_)), path_(std::move(other.path_)), id_(std::exchange(other.id_, 0)) {
  other.path_.clear();
}

tracked_path& tracked_path::operator=(tracked_path&& other) noexcept {
  if (this != &other) {
    reset_();
    state_ = std::move(other.state_);
    path_ = std::move(other.path_);
    other.path_.clear();
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

tracked_path::~tracked_path() { reset_(); }

const boost::filesystem::path& tracked_path::path() const noexcept {
  static const boost::filesystem::path none;
  // Removed by cleanup_all() or the manager's destruction: nothing is at this path for us any more.
  return state_ && !state_->tracks(id_) ? none : path_;
}

bool tracked_path::owns() const noexcept { return state_ && state_->tracks(id_); }

void tracked_path::reset_() noexcept {
  if (state_) (void)state_->remove_one(path_, id_, cleanup_reason::scope_end, std::uncaught_exceptions() > uncaught_);
  state_.reset();
  path_.clear();
  id_ = 0;
}

boost::filesystem::path tracked_path::release() noexcept {
  // Already removed (cleanup_all, the manager's destruction): nothing stays on disk to hand over.
  const bool kept = !state_ || state_->untrack(path_, id_);
  state_.reset();
  id_ = 0;
  boost::filesystem::path p = std::move(path_);
  path_.clear();
  if (!kept) p.clear();
  return p;
}

void tracked_path::forget() noexcept {
  state_.reset();
  path_.clear();
  id_ = 0;
}

void tracked_path::remove(boost::system::error_code& ec) noexcept {
  ec.clear();
  if (!state_) return;
  ec = state_->remove_one(path_, id_, cleanup_reason::remove_call);
  if (ec) return;
  state_.reset();
  path_.clear();
  id_ = 0;
}

void tracked_path::remove() {
  boost::system::error_code ec;
  const boost::filesystem::path p = path_;
  remove(ec);
  if (ec) throw_error("cannot remove", p, ec);
}

}  // namespace detail
}  // namespace boost_tempfm
