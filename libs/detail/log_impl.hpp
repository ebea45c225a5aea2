// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LIBS_LOG_IMPL_HPP
#define BOOST_TEMPFM_LIBS_LOG_IMPL_HPP

#include "safe_remove.hpp"

#include <boost_tempfm/log.hpp>

namespace boost_tempfm {
namespace detail {

// Makes Boost.Log's core exist and installs the sink that keeps
// Boost.Log's default sink quiet. Called before the exit hook is registered, so the hook runs
// before Boost.Log's singletons are destroyed.
void log_init();

// One record per removal attempt: debug/info on success, warning on failure.
void log_removal(const boost::filesystem::path& p, const removal_result& r, cleanup_reason why) noexcept;

}  // namespace detail
}  // namespace boost_tempfm

#endif
