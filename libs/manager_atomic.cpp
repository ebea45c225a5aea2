// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// temp_file_manager::create_atomic_file(): the temp file of an atomic save, made in the
// destination's own directory and tracked in the manager's registry by path (a random name made
// O_EXCL, or the last committed save's name reused, made O_EXCL too: removed by name, like the
// files made in the root).
#include <boost_tempfm/temp_file_manager.hpp>

#include "detail/create_unique.hpp"
#include "detail/errors.hpp"
#include "detail/file_ops.hpp"
#include "detail/manager_state.hpp"


#include <cerrno>
#include <climits>
#include <utility>

namespace boost_tempfm {

namespace fs = boost::filesystem;

atomic_file temp_file_manager::create_atomic_impl(const fs::path& destination, const create_options& opt,
                                                  boost::system::error_code* ec) {
  if (!opt.directory().empty()) {
    detail::fail(ec, "an atomic file is made in its destination's directory (directory is refused)", destination,
                 EINVAL);
    return {};
  }
  if (opt.keep()) {
    detail::fail(ec, "an atomic file is always tracked until commit (keep is refused)", destination, EINVAL);
    return {};
  }
  // The staging name of the last save to this destination first, when this process committed one
  // (manager_state::take_staging; design.md, "Reused staging names"): made O_EXCL like any other,
  // so a name someone took or planted a symlink at meanwhile is left alone and a random one made.
  // Looked up by the destination as given: only an absolute, normalised one can match, and is then
  // already what resolve_dest would make of it (its directory and leaf are needed only to make a
  // random name).
  const bool default_name = !opt.prefix() && opt.suffix().empty() && opt.random_length() == detail::random_digits &&
                            (!opt.mode() || (*opt.mode() & ~0777u) == 0);  // spec_of cannot fail then
  detail::dest_path d;
  detail::manager_state::staging reused;
  if (default_name && state_->take_staging(destination, reused)) {
    d.dest = destination;
  } else {
    const char* what = nullptr;
    if (int err = detail::resolve_dest(destination, d, what)) {
      detail::fail(ec, what, destination, err);
      return {};
    }
  }
  detail::create_spec spec;
  if (!detail::spec_of(opt, entry_type::file, d.dir, spec, ec, true)) return {};  // never fails with a reused name
  spec.keep_open = true;
  // By default what the open(O_CREAT, 0666) it replaces would give: 0666 less the umask, without a
  // look at the destination. keep_mode(): the destination's bits if it is a regular file now.
  detail::platform::file_status st;
  if (opt.keep_mode() && detail::platform::status_at(detail::platform::no_handle, d.dest.c_str(), st) == 0 &&
      st.is_regular)
    spec.mode = st.mode & 0777u;
  else if (!opt.mode())
    spec.umask_mode = true;
  if (!reused.name.empty()) {
    try {
      detail::manager_state::made m;
      if (state_->create_at(reused, spec, m))
        return atomic_file(state_, std::move(m.path), m.id, m.fd, std::move(d.dest));
    } catch (const fs::filesystem_error& e) {
      detail::fail(ec, "cannot start the atomic save: " + detail::reason_of(e), destination, e.path1(),
                   e.code().value());
      return {};
    }
    // Taken meanwhile (or planted): a random name, next to the destination.
    const char* what = nullptr;
    if (int err = detail::resolve_dest(destination, d, what)) {
      detail::fail(ec, what, destination, err);
      return {};
    }
  }
  // Made by path in the destination's directory (no descriptor of it is kept: the commit renames by
  // path too). NAME_MAX unless the filesystem says less when a name turns out too long.
  std::size_t name_max = 255;  // NAME_MAX
  for (int attempt = 0;; ++attempt) {
    std::string prefix, suffix;
    detail::staging_affixes(d.leaf, name_max, spec.digits, prefix, suffix);
    if (opt.prefix()) prefix = *opt.prefix();
    if (!opt.suffix().empty()) suffix = opt.suffix();
    try {
      detail::manager_state::made m =
          state_->create_in(d.dir, detail::platform::no_handle, name_max, prefix, suffix, spec, default_name);
      return atomic_file(state_, std::move(m.path), m.id, m.fd, std::move(d.dest));
    } catch (const fs::filesystem_error& e) {
      const int err = e.code().value();
      if (err == ENAMETOOLONG && attempt == 0 && !opt.prefix() && opt.suffix().empty()) {
        name_max = detail::name_max_of(d.dir);
        continue;
      }
      detail::fail(ec, "cannot start the atomic save: " + detail::reason_of(e), destination, e.path1(), err);
      return {};
    }
  }
}

atomic_file temp_file_manager::create_atomic_file(const fs::path& destination, const create_options& opt) {
  return create_atomic_impl(destination, opt, nullptr);
}

atomic_file temp_file_manager::create_atomic_file(const fs::path& destination, const create_options& opt,
                                                  boost::system::error_code& ec) noexcept {
  atomic_file f;
  detail::with_error_code(ec, [&](boost::system::error_code* e) { f = create_atomic_impl(destination, opt, e); });
  return f;
}

atomic_file temp_file_manager::create_atomic_file(const fs::path& destination, boost::system::error_code& ec) noexcept {
  return create_atomic_file(destination, {}, ec);
}

}  // namespace boost_tempfm
