// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_ERROR_HPP
#define BOOST_TEMPFM_ERROR_HPP

#include <boost_tempfm/config.hpp>

#include <boost/filesystem/exception.hpp>
#include <boost/filesystem/path.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <vector>

namespace boost_tempfm {

// Every failure is reported as a boost::filesystem::filesystem_error: what() names the operation,
// the reason and the path; path1() is the path; code() is the errno-based error_code.

// One entry that cleanup_all() could not remove.
struct removal_failure {
  boost::filesystem::path path;
  boost::system::error_code code;
};

// Thrown by cleanup_all() after it has tried every entry. path1()/code() describe the first
// failure; failures() lists them all. Entries that failed stay tracked and are tried again by the
// next cleanup_all() and at exit.
class BOOST_TEMPFM_DECL cleanup_error : public boost::filesystem::filesystem_error {
 public:
  cleanup_error(const std::string& what, std::vector<removal_failure> failures);
  const std::vector<removal_failure>& failures() const noexcept { return failures_; }

 private:
  std::vector<removal_failure> failures_;
};

}  // namespace boost_tempfm

#endif  // BOOST_TEMPFM_ERROR_HPP
