// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_DETAIL_TRACKED_PATH_HPP
#define BOOST_TEMPFM_DETAIL_TRACKED_PATH_HPP

#include <boost_tempfm/config.hpp>

#include <boost/filesystem/path.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <exception>
#include <memory>

namespace boost_tempfm {
namespace detail {

class manager_state;

// The common part of temp_file and temp_dir: a path that a manager tracks, removed when this
// object dies. Move-only. An empty tracked_path (default-constructed, moved-from, released, or
// removed: by remove(), cleanup_all() or the manager's destruction) owns nothing and its destructor
// does nothing. One made with keep (remove=false) owns nothing but carries its path.
class BOOST_TEMPFM_DECL tracked_path {
 public:
  tracked_path() noexcept = default;
  tracked_path(std::shared_ptr<manager_state> state, boost::filesystem::path p, std::uint64_t id) noexcept;
  tracked_path(tracked_path&& other) noexcept;
  tracked_path& operator=(tracked_path&& other) noexcept;
  tracked_path(const tracked_path&) = delete;
  tracked_path& operator=(const tracked_path&) = delete;
  // Removes the path if it is still tracked (not released, not already removed by cleanup_all).
  // Never throws: a failure is logged as a warning and the entry stays tracked by the manager, so
  // cleanup_all() reports it and exit-time cleanup tries again. A removal while an exception that
  // was thrown after this handle was made unwinds the stack is logged as such (TempfmUnwinding).
  ~tracked_path();

  // The absolute path; empty once released or removed (by remove(), cleanup_all() or the manager's
  // destruction). A handle made with keep (remove=false) keeps its path.
  const boost::filesystem::path& path() const noexcept;

  // True while this handle will remove its path when it dies: false once released or removed,
  // whoever removed it.
  bool owns() const noexcept;

  // Stops managing the path: it stays on disk, the manager forgets it. Returns the path.
  boost::filesystem::path release() noexcept;

  // Removes the path now and reports failure (the destructor only logs). After success the handle
  // is empty. On failure the handle keeps owning the path; the throwing overload throws
  // boost::filesystem::filesystem_error naming the path and the reason.
  void remove();
  void remove(boost::system::error_code& ec) noexcept;

 protected:
  // For the handles' own operations (persist, commit): the manager's state, the entry, the path as
  // given, and forgetting the path once it was moved away (nothing is removed).
  const std::shared_ptr<manager_state>& state() const noexcept { return state_; }
  std::uint64_t id() const noexcept { return id_; }
  const boost::filesystem::path& given_path() const noexcept { return path_; }
  boost::filesystem::path& given_path_ref() noexcept { return path_; }  // swapped out at commit
  void forget() noexcept;

 private:
  void reset_() noexcept;

  std::shared_ptr<manager_state> state_;
  boost::filesystem::path path_;
  std::uint64_t id_ = 0;
  // std::uncaught_exceptions() when this handle was made (moved-to handles too): the destructor
  // runs during unwinding exactly when the count has grown since.
  int uncaught_ = std::uncaught_exceptions();
};

}  // namespace detail
}  // namespace boost_tempfm

#endif  // BOOST_TEMPFM_DETAIL_TRACKED_PATH_HPP
