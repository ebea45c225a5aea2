// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_SIGNAL_HPP
#define BOOST_TEMPFM_SIGNAL_HPP

#include <boost_tempfm/config.hpp>

#include <boost/system/error_code.hpp>

namespace boost_tempfm {

// Opt-in: on SIGINT, SIGTERM and SIGHUP, remove what every manager of this process still tracks,
// using only async-signal-safe calls (unlink, rmdir and, on Linux, a getdents64 walk of directories,
// with the same never-follow-a-symlink rule; elsewhere a directory that still holds entries is left
// to the next sweep), then hand the signal on: to the handler the application had
// installed before (called as it would have been), or, if there was none, end the process by the
// signal as it would have. A signal the application ignores (SIG_IGN) is left alone. Entries
// inherited through fork() are never touched. Safe to call more than once; call it after
// installing the application's own handlers. Throws std::system_error if sigaction fails.
BOOST_TEMPFM_DECL void install_signal_cleanup();
BOOST_TEMPFM_DECL void install_signal_cleanup(boost::system::error_code& ec) noexcept;

}  // namespace boost_tempfm

#endif  // BOOST_TEMPFM_SIGNAL_HPP
