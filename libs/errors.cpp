// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include "detail/errors.hpp"

#include <boost_tempfm/error.hpp>

#include <utility>

namespace boost_tempfm {
namespace detail {

void throw_error(const std::string& what, const boost::filesystem::path& p, boost::system::error_code ec) {
  throw boost::filesystem::filesystem_error("boost_tempfm: " + what, p, ec);
}

void throw_errno(const std::string& what, const boost::filesystem::path& p, int err) {
  throw_error(what, p, boost::system::error_code(err, platform::errno_category()));
}

void throw_errno(const std::string& what, const boost::filesystem::path& p1, const boost::filesystem::path& p2,
                 int err) {
  throw boost::filesystem::filesystem_error("boost_tempfm: " + what, p1, p2,
                                            boost::system::error_code(err, platform::errno_category()));
}

namespace {
constexpr char prefix[] = "boost_tempfm: ";
std::string without_prefix(std::string s) {
  if (s.compare(0, sizeof prefix - 1, prefix) == 0) s.erase(0, sizeof prefix - 1);
  return s;
}
}  // namespace

std::string message_of(const std::exception& e) { return without_prefix(e.what()); }

std::string reason_of(const boost::filesystem::filesystem_error& e) {
  // system_error keeps what_arg + ": " + the code's text; filesystem_error adds the paths to what().
  std::string s = without_prefix(e.std::runtime_error::what());
  const std::string tail = ": " + e.code().what();
  if (s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0)
    s.erase(s.size() - tail.size());
  return s;
}

}  // namespace detail

namespace {
boost::filesystem::path first_path(const std::vector<removal_failure>& f) {
  return f.empty() ? boost::filesystem::path() : f.front().path;
}
boost::system::error_code first_code(const std::vector<removal_failure>& f) {
  return f.empty() ? boost::system::error_code() : f.front().code;
}
}  // namespace

cleanup_error::cleanup_error(const std::string& what, std::vector<removal_failure> failures)
    : boost::filesystem::filesystem_error(what, first_path(failures), first_code(failures)),
      failures_(std::move(failures)) {}

}  // namespace boost_tempfm
