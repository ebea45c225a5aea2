// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// temp_file_manager::create_unnamed_file(): a file without a name (platform::open_unnamed: O_TMPFILE)
// in the root (or a directory given per call).
#include <boost_tempfm/temp_file_manager.hpp>

#include "detail/create_unique.hpp"
#include "detail/errors.hpp"
#include "detail/manager_state.hpp"
#include "detail/root.hpp"
#include "platform/platform.hpp"


#include <cerrno>

namespace boost_tempfm {

namespace fs = boost::filesystem;

unnamed_file temp_file_manager::create_unnamed_impl(const create_options& opt, boost::system::error_code* ec) {
  detail::manager_state& s = *state_;
  detail::call_dir d;
  if (!opt.directory().empty()) detail::open_call_dir(opt.directory(), s.root(), d);
  const fs::path& dir = d.fd != detail::platform::no_handle ? d.path : s.root();
  if (opt.prefix() || !opt.suffix().empty()) {
    detail::fail(ec, "an unnamed file has no name (prefix and suffix do not apply)", dir, EINVAL);
    return {};
  }
  detail::create_spec spec;
  if (!detail::spec_of(opt, entry_type::file, dir, spec, ec)) return {};
  detail::platform::handle fd = detail::platform::no_handle;
  if (const int err = detail::platform::open_unnamed(d.fd != detail::platform::no_handle ? d.fd : s.root_fd(), 0600, fd)) {
    // Kernels or filesystems without O_TMPFILE say EOPNOTSUPP (or EISDIR: the flag includes
    // O_DIRECTORY, which kernels before 3.11 took alone); so does the portable backend, always.
    if (err == EOPNOTSUPP || err == EISDIR)
      detail::fail(ec, "this system or the filesystem of this directory does not support unnamed files (O_TMPFILE)",
                   dir, EOPNOTSUPP);
    else
      detail::fail(ec, "cannot create an unnamed file", dir, err);
    return {};
  }
  unnamed_file f(fd);
  int err = 0;
  if (spec.mode != 0 && spec.mode != 0600u && (err = detail::platform::set_mode(fd, spec.mode)) != 0) {
    detail::fail(ec, "cannot give the unnamed file its mode", dir, err);
    return {};
  }
  return f;
}

unnamed_file temp_file_manager::create_unnamed_file(const create_options& opt) {
  return create_unnamed_impl(opt, nullptr);
}

unnamed_file temp_file_manager::create_unnamed_file(const create_options& opt, boost::system::error_code& ec) noexcept {
  unnamed_file f;
  detail::with_error_code(ec, [&](boost::system::error_code* e) { f = create_unnamed_impl(opt, e); });
  return f;
}

unnamed_file temp_file_manager::create_unnamed_file(boost::system::error_code& ec) noexcept {
  return create_unnamed_file(create_options(), ec);
}

}  // namespace boost_tempfm
