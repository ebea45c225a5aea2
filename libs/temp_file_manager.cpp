// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include <boost_tempfm/temp_file_manager.hpp>

#include <boost_tempfm/registry.hpp>

#include "detail/create_unique.hpp"
#include "detail/errors.hpp"
#include "detail/file_identity.hpp"
#include "detail/manager_state.hpp"
#include "detail/registry_format.hpp"
#include "detail/root.hpp"

#include <boost/filesystem/operations.hpp>


#include <cerrno>
#include <cstdio>
#include <utility>

namespace boost_tempfm {

namespace fs = boost::filesystem;

namespace {

std::shared_ptr<detail::manager_state> make_state(std::string prefix, const fs::path& base_dir, startup_sweep s) {
  // The prefix first: a bad one is refused before the root is created.
  const fs::path planned = detail::root_path_of(base_dir);
  detail::validate_affixes(planned, prefix, "", detail::name_max_near(planned));
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

temp_file temp_file_manager::create_file_impl(const create_options& opt, boost::system::error_code* ec) {
  detail::manager_state& s = *state_;
  detail::create_spec spec;
  if (!detail::spec_of(opt, entry_type::file, s.root(), spec, ec)) return {};
  const std::string& prefix = opt.prefix() ? *opt.prefix() : s.prefix();
  detail::call_dir d;
  if (!opt.directory().empty()) detail::open_call_dir(opt.directory(), s.root(), d);
  if (d.fd != detail::platform::no_handle && d.path != s.root()) {  // another directory: tracked by absolute path and identity
    if (opt.keep()) {
      detail::created c = detail::create_unique(d.path, prefix, opt.suffix(), d.name_max, spec, nullptr, false, d.fd);
      return temp_file(nullptr, std::move(c.path), 0, c.fd);
    }
    auto made = s.create_in(d.path, d.fd, d.name_max, prefix, opt.suffix(), spec);
    return temp_file(state_, std::move(made.path), made.id, made.fd);
  }
  if (opt.keep()) {
    detail::created c = detail::create_unique(s.root(), prefix, opt.suffix(), s.name_max(), spec);
    return temp_file(nullptr, std::move(c.path), 0, c.fd);
  }
  auto made = s.create(prefix, opt.suffix(), spec);
  return temp_file(state_, std::move(made.path), made.id, made.fd);
}

temp_dir temp_file_manager::create_dir_impl(const create_options& opt, boost::system::error_code* ec) {
  detail::manager_state& s = *state_;
  detail::create_spec spec;
  if (!detail::spec_of(opt, entry_type::directory, s.root(), spec, ec)) return {};
  const std::string& prefix = opt.prefix() ? *opt.prefix() : s.prefix();
  detail::call_dir d;
  if (!opt.directory().empty()) detail::open_call_dir(opt.directory(), s.root(), d);
  if (d.fd != detail::platform::no_handle && d.path != s.root()) {
    if (opt.keep())
      return temp_dir(nullptr, detail::create_unique(d.path, prefix, opt.suffix(), d.name_max, spec, nullptr, false, d.fd).path, 0);
    auto made = s.create_in(d.path, d.fd, d.name_max, prefix, opt.suffix(), spec);
    return temp_dir(state_, std::move(made.path), made.id);
  }
  if (opt.keep()) return temp_dir(nullptr, detail::create_unique(s.root(), prefix, opt.suffix(), s.name_max(), spec).path, 0);
  auto made = s.create(prefix, opt.suffix(), spec);
  return temp_dir(state_, std::move(made.path), made.id);
}

temp_file temp_file_manager::create_temp_file(const std::string& suffix, const std::optional<std::string>& prefix,
                                              bool remove) {
  create_options opt;
  opt.suffix(suffix).keep(!remove);
  if (prefix) opt.prefix(*prefix);
  return create_file_impl(opt, nullptr);
}

temp_file temp_file_manager::create_temp_file(const create_options& opt) { return create_file_impl(opt, nullptr); }

temp_file temp_file_manager::create_temp_file(const create_options& opt, boost::system::error_code& ec) noexcept {
  temp_file f;
  detail::with_error_code(ec, [&](boost::system::error_code* e) { f = create_file_impl(opt, e); });
  return f;
}

temp_dir temp_file_manager::create_temp_dir(const std::optional<std::string>& prefix) {
  create_options opt;
  if (prefix) opt.prefix(*prefix);
  return create_dir_impl(opt, nullptr);
}

temp_dir temp_file_manager::create_temp_dir(const create_options& opt) { return create_dir_impl(opt, nullptr); }

temp_dir temp_file_manager::create_temp_dir(const create_options& opt, boost::system::error_code& ec) noexcept {
  temp_dir d;
  detail::with_error_code(ec, [&](boost::system::error_code* e) { d = create_dir_impl(opt, e); });
  return d;
}

void temp_file_manager::register_impl(const fs::path& path, boost::system::error_code* ec) {
  if (path.empty()) return detail::fail(ec, "cannot register an empty path", path, EINVAL);
  boost::system::error_code aec;
  fs::path abs = fs::absolute(path, aec);
  if (aec) return detail::fail(ec, "cannot make the path absolute (no current directory?)", path, aec.value());
  abs = abs.lexically_normal();
  if (abs.filename_is_dot() || abs.filename().empty()) abs = abs.parent_path();  // "dir/" or "dir/."
  detail::format::identity id;
  bool is_dir = false;
  if (int err = detail::identity_of(abs.c_str(), id, &is_dir))
    return detail::fail(ec, err == ENOENT ? "cannot register a path that does not exist" : "cannot register", abs, err);
  // Compare with the root through the real parent directory (the leaf is never followed). A root
  // ("/"; a drive root C:\ whose parent_path() "C:" names the drive's current directory instead)
  // has no parent to resolve: it is its own real path.
  fs::path real = abs;
  const bool is_fs_root = !abs.has_relative_path();
  if (!is_fs_root) {
    boost::system::error_code cec;
    real = fs::canonical(abs.parent_path(), cec);
    if (cec) return detail::fail(ec, "cannot resolve the directory of", abs, cec.value());
    real /= abs.filename();
  }
  const fs::path& root = state_->root();
  if (is_same_or_ancestor(real, root) || is_same_or_ancestor(abs, root))
    return detail::fail(ec, "refusing to register the temp root " + root.string() + " or a directory that contains it",
                        path, EINVAL);
  if (is_same_or_ancestor(registry_dir(root), real))
    return detail::fail(ec, "refusing to register the registry of the temp root " + root.string(), path, EINVAL);
  // Another volume's root (Windows: D:\ with the temp root on C:): never a temporary path.
  if (is_fs_root) return detail::fail(ec, "refusing to register the root of a filesystem", path, EINVAL);
  // What every reader of the registry would refuse as not written by this library must not be
  // recorded, to be forgotten by a sweep: Windows paths that are no drive path ("\\server\share\x",
  // "\\?\C:\x") are said so now.
  detail::format::entry_data stored;
  stored.stored = detail::platform::path_bytes(abs);
  std::string problem = detail::format::path_problem(stored, std::string(detail::platform::path_bytes(root)),
                                                     std::string(detail::platform::path_bytes(registry_dir(root))));
  if (problem.empty()) problem = detail::platform::stored_path_problem(stored.stored, false);
  if (!problem.empty())
    return detail::fail(ec, "cannot register a path the registry cannot record (" + problem + ")", path, EINVAL);
  state_->track_existing(abs, is_dir ? entry_type::directory : entry_type::file, id);
}

void temp_file_manager::register_file(const fs::path& path, boost::system::error_code& ec) noexcept {
  detail::with_error_code(ec, [&](boost::system::error_code* e) { register_impl(path, e); });
}

void temp_file_manager::register_file(const fs::path& path) { register_impl(path, nullptr); }

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

const fs::path& temp_file_manager::root() const noexcept { return state_->root(); }

const std::string& temp_file_manager::prefix() const noexcept { return state_->prefix(); }

temp_file_manager& get_temp_manager() {
  // Never destroyed, so handles and other static objects may use it during exit; the exit hook
  // removes what it still tracks.
  static temp_file_manager* m = new temp_file_manager();
  return *m;
}

}  // namespace boost_tempfm
