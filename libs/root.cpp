// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
//
// default_root() and the root a manager's base_dir names (detail/root.hpp): the same on every
// platform, over default_root_location() of the family's root file (platform/unix_root.cpp,
// platform/windows_root.cpp).
#include "detail/errors.hpp"
#include "detail/root.hpp"

#include <boost_tempfm/registry.hpp>

#include <boost/filesystem/operations.hpp>

#include <string>

namespace boost_tempfm {

namespace fs = boost::filesystem;

namespace detail {

fs::path root_path_of(const fs::path& base_dir) {
  if (!base_dir.empty()) return fs::absolute(base_dir);
  return boost_tempfm::default_root();
}

}  // namespace detail

namespace {

// One implementation of default_root(): on failure sets *ec, or throws when ec is null.
fs::path default_root_impl(boost::system::error_code* ec) {
  fs::path p;
  bool from_env = false;
  int err = detail::default_root_location(p, from_env);
  if (!err) {
    boost::system::error_code aec;
    p = fs::absolute(p, aec);
    if (!aec) return p;
    err = aec.value();
  }
  detail::fail(ec,
               from_env ? std::string(detail::root_env) + " cannot be made absolute"
                        : std::string("no usable system temp directory (") + detail::system_temp_sources + ")",
               p, err);
  return {};
}

}  // namespace

fs::path default_root() { return default_root_impl(nullptr); }

fs::path default_root(boost::system::error_code& ec) noexcept {
  fs::path out;
  detail::with_error_code(ec, [&](boost::system::error_code* e) { out = default_root_impl(e); });
  return out;
}

}  // namespace boost_tempfm
