// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include <boost_tempfm/temp_file_manager.hpp>

#include <boost_tempfm/registry.hpp>

#include "detail/create_unique.hpp"
#include "detail/errors.hpp"
#include "detail/file_identity.hpp"
#include "detail/manager_state.hpp"
#include "detail/root.hpp"

#include <boost/filesystem/operations.hpp>

#include <sys/stat.h>

#include <cerrno>
#include <utility>

namespace boost_tempfm {

namespace fs = boost::filesystem;

namespace {

std::shared_ptr<detail::manager_state> make_state(std::string prefix, const fs::path& base_dir, startup_sweep s) {
  detail::resolved_root root = detail::resolve_root(base_dir);
  detail::validate_affixes(root.path, prefix, "", root.name_max);
  return std::make_shared<detail::manager_state>(std::move(prefix), std::move(root.path), root.name_max, s);
}

// true if `ancestor` is p or contains it (both absolute and normalised).
bool is_same_or_ancestor(const fs::path& ancestor, const fs::path& p) {
  auto a = ancestor.begin(), ae = ancestor.end();
  auto b = p.begin(), be = p.end();
  for (; a != ae; ++a, ++b) {
    if (b == be || *a != *b) return false;
  }
  return true;
}

}  // namespace

temp_file_manager::temp_file_manager(std::string prefix, fs::path base_dir, startup_sweep s)
    : state_(make_state(std::move(prefix), base_dir, s)) {}

temp_file_manager::~temp_file_manager() { (void)state_->remove_all(cleanup_reason::manager_destroyed); }

temp_file temp_file_manager::create_temp_file(const std::string& suffix, const std::optional<std::string>& prefix,
                                              bool remove) {
  detail::manager_state& s = *state_;
  if (!remove)
    return temp_file(nullptr,
                     detail::create_unique(s.root(), prefix.value_or(s.prefix()), suffix, detail::entry_kind::file,
                                           s.name_max()),
                     0);
  auto made = s.create(prefix.value_or(s.prefix()), suffix, detail::entry_kind::file);
  return temp_file(state_, std::move(made.first), made.second);
}

temp_dir temp_file_manager::create_temp_dir(const std::optional<std::string>& prefix) {
  detail::manager_state& s = *state_;
  auto made = s.create(prefix.value_or(s.prefix()), "", detail::entry_kind::directory);
  return temp_dir(state_, std::move(made.first), made.second);
}

void temp_file_manager::register_file(const fs::path& path, boost::system::error_code& ec) {
  ec.clear();
  if (path.empty()) {
    ec.assign(EINVAL, boost::system::system_category());
    return;
  }
  fs::path abs = fs::absolute(path).lexically_normal();
  if (abs.filename_is_dot() || abs.filename().empty()) abs = abs.parent_path();  // "dir/" or "dir/."
  detail::format::identity id;
  bool is_dir = false;
  if (int err = detail::identity_of(abs.c_str(), id, &is_dir)) {
    ec.assign(err, boost::system::system_category());
    return;
  }
  // Compare with the root through the real parent directory (the leaf is never followed).
  fs::path real = fs::canonical(abs.parent_path(), ec);
  if (ec) return;
  real /= abs.filename();
  if (is_same_or_ancestor(real, state_->root()) || is_same_or_ancestor(abs, state_->root()) ||
      is_same_or_ancestor(registry_dir(state_->root()), real)) {
    ec.assign(EINVAL, boost::system::system_category());
    return;
  }
  try {
    state_->track_existing(abs, is_dir ? detail::entry_kind::directory : detail::entry_kind::file, id);
  } catch (const fs::filesystem_error& e) {
    ec = e.code();
  }
}

void temp_file_manager::register_file(const fs::path& path) {
  boost::system::error_code ec;
  register_file(path, ec);
  if (!ec) return;
  if (ec.value() == EINVAL)
    detail::throw_error(path.empty() ? std::string("cannot register an empty path")
                                     : "refusing to register the temp root " + state_->root().string() +
                                           ", a directory that contains it, or its registry",
                        path, ec);
  detail::throw_error("cannot register", path, ec);
}

void temp_file_manager::cleanup_all(boost::system::error_code& ec) noexcept {
  std::vector<removal_failure> failures = state_->remove_all(cleanup_reason::cleanup_all);
  ec = failures.empty() ? boost::system::error_code() : failures.front().code;
}

void temp_file_manager::cleanup_all() {
  std::vector<removal_failure> failures = state_->remove_all(cleanup_reason::cleanup_all);
  if (failures.empty()) return;
  const std::size_t n = failures.size();
  throw cleanup_error("boost_tempfm: cleanup_all could not remove " + std::to_string(n) +
                          (n == 1 ? " entry" : " entries") + " (they stay tracked); first",
                      std::move(failures));
}

std::size_t temp_file_manager::tracked_count() const { return state_->size(); }

const fs::path& temp_file_manager::base_dir() const noexcept { return state_->root(); }

const std::string& temp_file_manager::prefix() const noexcept { return state_->prefix(); }

temp_file_manager& get_temp_manager() {
  // Never destroyed, so handles and other static objects may use it during exit; the exit hook
  // removes what it still tracks.
  static temp_file_manager* m = new temp_file_manager();
  return *m;
}

}  // namespace boost_tempfm
