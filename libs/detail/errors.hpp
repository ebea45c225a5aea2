// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LIBS_ERRORS_HPP
#define BOOST_TEMPFM_LIBS_ERRORS_HPP

#include <boost/filesystem/exception.hpp>
#include <boost/filesystem/path.hpp>
#include <boost/system/error_code.hpp>

#include <string>

namespace boost_tempfm {
namespace detail {

// The one error funnel: every exception the library throws names the operation, the reason
// and the path. what() reads "boost_tempfm: <what>: <reason>: \"<path>\"".
[[noreturn]] void throw_error(const std::string& what, const boost::filesystem::path& p,
                              boost::system::error_code ec);
[[noreturn]] void throw_errno(const std::string& what, const boost::filesystem::path& p, int err);

}  // namespace detail
}  // namespace boost_tempfm

#endif
