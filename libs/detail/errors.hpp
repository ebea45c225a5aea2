// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LIBS_ERRORS_HPP
#define BOOST_TEMPFM_LIBS_ERRORS_HPP

#include "../platform/platform.hpp"

#include <boost/filesystem/exception.hpp>
#include <boost/filesystem/path.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <cerrno>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>

namespace boost_tempfm {
namespace detail {

// The one error funnel: every exception the library throws names the operation, the reason
// and the path. what() reads "boost_tempfm: <what>: <reason>: \"<path>\"".
[[noreturn]] void throw_error(const std::string& what, const boost::filesystem::path& p,
                              boost::system::error_code ec);
[[noreturn]] void throw_errno(const std::string& what, const boost::filesystem::path& p, int err);
// Two paths (a rename, a link): what() names both.
[[noreturn]] void throw_errno(const std::string& what, const boost::filesystem::path& p1,
                              const boost::filesystem::path& p2, int err);

// Operations with a throwing and a noexcept error_code& overload have one implementation taking
// `error_code* ec` (Boost.Filesystem's pattern): a failure goes through fail(), which sets *ec and
// returns when there is one, and throws the named error when there is none. So both overloads
// report the same failure; the message exists only in the exception.
// For an error of this library nested in another message: e.what() without the leading
// "boost_tempfm: ". reason_of: what a filesystem_error says went wrong, without that prefix, the
// error code's message and the paths (what the thrower gave as `what`).
std::string message_of(const std::exception& e);
std::string reason_of(const boost::filesystem::filesystem_error& e);

inline void fail(boost::system::error_code* ec, const std::string& what, const boost::filesystem::path& p, int err) {
  if (!ec) throw_errno(what, p, err);
  ec->assign(err, platform::errno_category());
}
inline void fail(boost::system::error_code* ec, const std::string& what, const boost::filesystem::path& p1,
                 const boost::filesystem::path& p2, int err) {
  if (!ec) throw_errno(what, p1, p2, err);
  ec->assign(err, platform::errno_category());
}

// The noexcept overloads run the implementation through this: what lower layers throw (the
// registry, the create loop, an allocation) becomes the error_code.
template <class F>
void with_error_code(boost::system::error_code& ec, F&& f) noexcept {
  ec.clear();
  try {
    f(&ec);
  } catch (const boost::filesystem::filesystem_error& e) {
    ec = e.code();
  } catch (const boost::system::system_error& e) {
    ec = e.code();
  } catch (const std::system_error& e) {
    ec.assign(e.code().value(), platform::errno_category());
  } catch (const std::bad_alloc&) {
    ec.assign(ENOMEM, platform::errno_category());
  } catch (...) {
    ec.assign(EIO, platform::errno_category());
  }
}

}  // namespace detail
}  // namespace boost_tempfm

#endif
