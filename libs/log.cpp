// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include "detail/log_impl.hpp"

#include "detail/default_sink.hpp"

#include <boost/log/attributes/attribute_set.hpp>
#include <boost/log/attributes/attribute_value_impl.hpp>
#include <boost/log/attributes/constant.hpp>
#include <boost/log/core/core.hpp>
#include <boost/log/sources/record_ostream.hpp>
#include <boost/log/trivial.hpp>

#include <atomic>
#include <cstdint>
#include <string>

namespace boost_tempfm {

const char* to_string(cleanup_reason r) noexcept {
  switch (r) {
    case cleanup_reason::scope_end: return "scope end";
    case cleanup_reason::remove_call: return "remove()";
    case cleanup_reason::cleanup_all: return "cleanup_all";
    case cleanup_reason::manager_destroyed: return "manager destroyed";
    case cleanup_reason::exit: return "exit";
    case cleanup_reason::sweep: return "sweep";
  }
  return "unknown";
}

const char* log_channel() noexcept { return "boost_tempfm"; }

namespace detail {
namespace {

namespace bl = boost::log;

// Records go straight to the core, without a logger object: a logger's mutex could be held by
// another thread when the process forks, and the child may log its own removals at exit.
// The attributes filters may use (Channel, Severity, TempfmReason, TempfmUnwinding) are constant
// attributes in one attribute set per severity and reason, made once: the core then takes from them
// only the values a filter asks for, so a record that no sink wants costs little (removals happen
// by the hundred thousand).
struct constant_values {
  bl::attribute_name channel_n{"Channel"}, severity_n{"Severity"}, path_n{"TempfmPath"}, reason_n{"TempfmReason"};
  // [debug, info, warning][reason; 6: scope end during exception unwinding; 7: not a removal]
  bl::attribute_set sets[3][8];
  // The sets that were current before this one (set_log_severity()): never freed, since another
  // thread may be opening a record with them, and reachable from here (no leak is reported).
  const constant_values* previous = nullptr;
  // levels: the "Severity" attributes of debug, info and warning records.
  explicit constant_values(const bl::attribute (&levels)[3]) {
    for (int l = 0; l < 3; ++l)
      for (int r = 0; r < 8; ++r) {
        bl::attribute_set& set = sets[l][r];
        set.insert(channel_n, bl::attributes::constant<std::string>(log_channel()));
        set.insert(severity_n, levels[l]);
        if (r == 7) continue;
        const cleanup_reason why = r == 6 ? cleanup_reason::scope_end : static_cast<cleanup_reason>(r);
        set.insert(reason_n, bl::attributes::constant<std::string>(to_string(why)));
        set.insert("TempfmUnwinding", bl::attributes::constant<bool>(r == 6));
      }
  }
};

// The sets in use; swapped whole by set_log_severity(), never destroyed (used at exit).
std::atomic<const constant_values*> current_constants{nullptr};

const constant_values& constants() {
  if (const constant_values* c = current_constants.load(std::memory_order_acquire)) return *c;
  using bl::attributes::constant;
  using level = bl::trivial::severity_level;
  const bl::attribute trivial[3] = {constant<level>(bl::trivial::debug), constant<level>(bl::trivial::info),
                                    constant<level>(bl::trivial::warning)};
  const constant_values* fresh = new constant_values(trivial);
  const constant_values* expected = nullptr;
  if (current_constants.compare_exchange_strong(expected, fresh, std::memory_order_acq_rel)) return *fresh;
  delete fresh;  // another thread was first (or set_log_severity() was called meanwhile)
  return *expected;
}

// A record only when some sink the application added accepts it: never one for Boost.Log's
// default sink, which the core uses while no sink is added and which prints to stdout.
bl::record open(log_level lvl, const cleanup_reason* reason, bool unwinding = false) {
  const int r = !reason ? 7 : unwinding && *reason == cleanup_reason::scope_end ? 6 : static_cast<int>(*reason);
  bl::record rec = bl::core::get()->open_record(constants().sets[static_cast<int>(lvl)][r]);
  if (rec && only_default_sink(rec)) rec.reset();
  return rec;
}

// Adds what is known once the removal is done.
void add_details(bl::record& rec, const std::string& path, const removal_result& r) {
  bl::attribute_value_set& av = rec.attribute_values();
  av.insert(constants().path_n, bl::attributes::make_attribute_value(path));
  av.insert("TempfmKind", bl::attributes::make_attribute_value(std::string(r.found ? kind_name(r.kind) : "nothing")));
  av.insert("TempfmBytes", bl::attributes::make_attribute_value(std::uintmax_t(r.bytes)));
}

void push(bl::record& rec, const std::string& msg) {
  {
    bl::record_ostream strm(rec);
    strm << msg;
    strm.flush();
  }
  bl::core::get()->push_record(std::move(rec));
}

}  // namespace

void log_init() { (void)bl::core::get(); }

void set_log_severity_attributes(const bl::attribute& debug, const bl::attribute& info,
                                 const bl::attribute& warning) {
  const bl::attribute levels[3] = {debug, info, warning};
  constant_values* fresh = new constant_values(levels);
  fresh->previous = current_constants.load(std::memory_order_acquire);
  while (!current_constants.compare_exchange_weak(fresh->previous, fresh, std::memory_order_acq_rel,
                                                  std::memory_order_acquire)) {
  }
}

void log_message(log_level lvl, const std::string& msg) noexcept {
  try {
    bl::record rec = open(lvl, nullptr);
    if (rec) push(rec, msg);
  } catch (...) {
  }
}

namespace {
log_level level_of(cleanup_reason why) {
  return why == cleanup_reason::scope_end || why == cleanup_reason::remove_call ? log_level::debug
                                                                                : log_level::info;
}
}  // namespace

bool removals_logged(cleanup_reason why) noexcept {
  try {
    return static_cast<bool>(open(level_of(why), &why));  // opened and dropped: nothing is pushed
  } catch (...) {
    return false;
  }
}

removal_log::removal_log(const boost::filesystem::path& p, cleanup_reason why, bool maybe_wanted,
                         bool unwinding) noexcept
    : path_(p), why_(why), unwinding_(unwinding && why == cleanup_reason::scope_end) {
  if (!maybe_wanted) return;
  try {
    rec_ = open(level_of(why), &why, unwinding_);
  } catch (...) {
  }
}

void removal_log::done(const removal_result& r) noexcept {
  try {
    if (!r.ec && !rec_) return;
    const std::string ps = path_.string();
    const std::string why = std::string(to_string(why_)) + (unwinding_ ? " during exception unwinding" : "");
    if (r.ec) {
      bl::record w = open(log_level::warning, &why_, unwinding_);
      if (!w) return;
      add_details(w, ps, r);
      std::string msg = "boost_tempfm: cannot remove " + ps + " (" + why + "): ";
      if (r.mount_point || r.failed_path != path_)
        msg += describe_failure(r);
      else
        msg += r.ec.message();
      push(w, msg + "; it stays tracked");
      return;
    }
    add_details(rec_, ps, r);
    if (!r.found)
      push(rec_, "boost_tempfm: " + ps + " was already gone (" + why + ")");
    else
      push(rec_, "boost_tempfm: removed " + std::string(kind_name(r.kind)) + ' ' + ps + " (" +
                     std::to_string(r.bytes) + " bytes, " + why + ")");
  } catch (...) {
    // Logging must never turn a cleanup into a failure, nor throw from a destructor.
  }
}

removal_result remove_logged(const boost::filesystem::path& p, cleanup_reason why, platform::handle root_fd,
                             const boost::filesystem::path& root, bool measure, bool maybe_wanted,
                             bool unwinding, bool file_only) noexcept {
  removal_log log(p, why, maybe_wanted, unwinding);
  measure = measure || log.wanted();
  const platform::path_string& ps = p.native();
  const platform::path_string& rs = root.native();
  // A name in the root itself is removed through the root's handle. The separators: '/', and '\\'
  // on Windows (root / name puts the preferred one).
  static constexpr platform::path_char seps[] = {'/', boost::filesystem::path::preferred_separator, 0};
  const bool root_child = root_fd != platform::no_handle && ps.size() > rs.size() + 1 && ps.compare(0, rs.size(), rs) == 0 &&
                          (ps[rs.size()] == seps[0] || ps[rs.size()] == seps[1]) &&
                          ps.find_first_of(seps, rs.size() + 1) == platform::path_string::npos;
  const removal_result r =
      root_child ? remove_at(root_fd, ps.c_str() + rs.size() + 1, p, measure, file_only)
                 : remove_tree(p, measure, file_only);
  log.done(r);
  return r;
}

}  // namespace detail
}  // namespace boost_tempfm
