// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LIBS_LOG_IMPL_HPP
#define BOOST_TEMPFM_LIBS_LOG_IMPL_HPP

#include "safe_remove.hpp"

#include <boost_tempfm/log.hpp>

#include <boost/log/core/record.hpp>

#include <string>

namespace boost_tempfm {
namespace detail {

// Makes Boost.Log's core exist. Called before the exit hook is registered, so the hook runs
// before Boost.Log's singletons are destroyed. It adds no sink: records are opened only when a
// sink the application added accepts them (default_sink.hpp).
void log_init();

enum class log_level { debug, info, warning };

// A record that is not about one removal (registry recovery and repair).
void log_message(log_level lvl, const std::string& msg) noexcept;

// One record per removal attempt. Made before the removal: it tells whether any sink wants it
// (only then are sizes measured); done() adds kind and bytes and pushes it, or on failure pushes
// a warning instead.
class removal_log {
 public:
  // maybe_wanted=false: the caller asked removals_logged() for this batch and no sink wants
  // such records, so none is opened (a failure is still logged as a warning).
  // unwinding: a handle's destructor during exception unwinding (why is scope_end); the record says
  // so (TempfmUnwinding, and the message).
  removal_log(const boost::filesystem::path& p, cleanup_reason why, bool maybe_wanted = true,
              bool unwinding = false) noexcept;
  bool wanted() const noexcept { return static_cast<bool>(rec_); }
  void done(const removal_result& r) noexcept;

 private:
  const boost::filesystem::path& path_;
  cleanup_reason why_;
  bool unwinding_;
  boost::log::record rec_;
};

// Removes p and logs it: a child of the root (what managers create) is one unlinkat relative to
// root_fd (platform::open_dir_ref of root, or platform::no_handle), anything else goes through remove_tree. Sizes are
// measured when `measure` or when a sink wants the record.
removal_result remove_logged(const boost::filesystem::path& p, cleanup_reason why, platform::handle root_fd,
                             const boost::filesystem::path& root, bool measure = false,
                             bool maybe_wanted = true, bool unwinding = false, bool file_only = false) noexcept;

// Whether any sink the application added wants a record of a removal for `why`. Filters see only
// Channel, Severity, TempfmReason and TempfmUnwinding (false) when a record is opened, the same for
// every removal of one batch (cleanup_all, sweep): a batch asks once instead of opening a record
// per removal.
bool removals_logged(cleanup_reason why) noexcept;

}  // namespace detail
}  // namespace boost_tempfm

#endif
