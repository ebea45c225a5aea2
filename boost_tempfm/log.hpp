// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LOG_HPP
#define BOOST_TEMPFM_LOG_HPP

// What boost_tempfm tells Boost.Log. Every removal (and every failed one) is a record on the
// channel "boost_tempfm" (attribute "Channel", std::string: a filter written with
// BOOST_LOG_ATTRIBUTE_KEYWORD(channel, "Channel", std::string) and `channel == "boost_tempfm"`
// selects them) with the attribute "Severity" (boost::log::trivial::severity_level unless the
// application chose its own type with set_log_severity() below), a human-readable message, and these
// attributes:
//   "TempfmPath"    std::string  the absolute path
//   "TempfmKind"    std::string  "file", "directory" or "symlink"
//   "TempfmBytes"   std::uintmax_t  bytes freed (sizes of the regular files removed)
//   "TempfmReason"  std::string  one of the reason names below
//   "TempfmUnwinding" bool       true for a removal by a handle's destructor that runs while an
//                                exception unwinds the stack (thrown after the handle was made:
//                                std::uncaught_exceptions() grew since); its reason stays
//                                "scope end" and its message says "scope end during exception
//                                unwinding". False for every other removal.
// Severities: debug for a removal at scope end or by remove(), info for removals by
// cleanup_all(), the manager's destructor, exit and sweep, warning for every failure.
// Channel, Severity, TempfmReason and TempfmUnwinding are set when the record is opened (filters
// can use them); TempfmPath, TempfmKind and TempfmBytes are added once the removal is done
// (formatters see them).
// Sizes are measured only when some sink accepts the record.
//
// Silent unless the application adds a sink, and the application's own logging unchanged: the
// library adds no sink and never touches the core's filter. A record of the library is pushed only
// to sinks the application added, never to Boost.Log's built-in default sink (the one that prints
// every record on stdout while no sink is added). So with no sink nothing of boost_tempfm reaches
// stdout, the application's own records still go to the default sink as before, and sinks can be
// added and removed at any time (remove_all_sinks() before exit included): each record goes to the
// sinks there are when it is made. How this is told apart: doc/design.md.

#include <boost_tempfm/config.hpp>

#include <boost/log/attributes/attribute.hpp>
#include <boost/log/attributes/constant.hpp>

namespace boost_tempfm {

enum class cleanup_reason { scope_end, remove_call, cleanup_all, manager_destroyed, exit, sweep };

// "scope end", "remove()", "cleanup_all", "manager destroyed", "exit", "sweep".
BOOST_TEMPFM_DECL const char* to_string(cleanup_reason r) noexcept;

// The channel name, "boost_tempfm".
BOOST_TEMPFM_DECL const char* log_channel() noexcept;

namespace detail {
// The "Severity" attributes of debug, info and warning records; what set_log_severity() calls.
BOOST_TEMPFM_DECL void set_log_severity_attributes(const boost::log::attribute& debug,
                                                   const boost::log::attribute& info,
                                                   const boost::log::attribute& warning);
}  // namespace detail

// For an application whose "Severity" attribute is its own type (its filters and formatters use,
// e.g., BOOST_LOG_ATTRIBUTE_KEYWORD(severity, "Severity", my_level)): from now on boost_tempfm's
// records carry "Severity" of type Level, `debug`, `info` or `warning` in place of trivial's debug,
// info and warning. Records already opened keep their severity. Thread-safe: may be called at any
// time, from any thread, also while other threads log; meant to be called once, at start-up (each
// call keeps the previous setting, a few KiB, until the process ends). Call it with
// boost::log::trivial::debug, info, warning to go back to the default. Throws std::bad_alloc.
template <class Level>
void set_log_severity(const Level& debug, const Level& info, const Level& warning) {
  namespace attrs = boost::log::attributes;
  detail::set_log_severity_attributes(attrs::constant<Level>(debug), attrs::constant<Level>(info),
                                      attrs::constant<Level>(warning));
}

}  // namespace boost_tempfm

#endif  // BOOST_TEMPFM_LOG_HPP
