// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include "detail/log_impl.hpp"

#include <boost/log/attributes/attribute_set.hpp>
#include <boost/log/attributes/attribute_value_impl.hpp>
#include <boost/log/attributes/constant.hpp>
#include <boost/log/core/core.hpp>
#include <boost/log/sinks/sink.hpp>
#include <boost/log/sources/record_ostream.hpp>
#include <boost/log/trivial.hpp>
#include <boost/make_shared.hpp>

#include <cstdint>
#include <mutex>
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
using severity = bl::trivial::severity_level;

// A sink that accepts nothing. While any sink is registered, the core does not use its built-in
// default sink (which prints every record to stdout), so an application that adds no sink of its
// own sees no output from this library.
class silent_sink final : public bl::sinks::sink {
 public:
  silent_sink() : bl::sinks::sink(false) {}
  bool will_consume(bl::attribute_value_set const&) override { return false; }
  void consume(bl::record_view const&) override {}
  bool try_consume(bl::record_view const&) override { return true; }
  void flush() override {}
};

severity to_severity(log_level l) {
  switch (l) {
    case log_level::debug: return bl::trivial::debug;
    case log_level::info: return bl::trivial::info;
    case log_level::warning: break;
  }
  return bl::trivial::warning;
}

// Records go straight to the core, without a logger object: a logger's mutex could be held by
// another thread when the process forks, and the child may log its own removals at exit.
// The attributes filters may use (Channel, Severity, TempfmReason) are constant attributes in one
// attribute set per severity and reason, made once: the core then takes from them only the values
// a filter asks for, so a record that no sink wants costs little (removals happen by the hundred
// thousand).
struct constant_values {
  bl::attribute_name channel_n{"Channel"}, severity_n{"Severity"}, path_n{"TempfmPath"}, reason_n{"TempfmReason"};
  bl::attribute_set sets[3][7];  // [debug, info, warning][reason, or 6: none]
  constant_values() {
    const severity levels[3] = {bl::trivial::debug, bl::trivial::info, bl::trivial::warning};
    for (int l = 0; l < 3; ++l)
      for (int r = 0; r < 7; ++r) {
        bl::attribute_set& set = sets[l][r];
        set.insert(channel_n, bl::attributes::constant<std::string>(log_channel()));
        set.insert(severity_n, bl::attributes::constant<severity>(levels[l]));
        if (r < 6)
          set.insert(reason_n, bl::attributes::constant<std::string>(to_string(static_cast<cleanup_reason>(r))));
      }
  }
};

const constant_values& constants() {
  static const constant_values* c = new constant_values;  // never destroyed: used at exit
  return *c;
}

bl::record open(severity lvl, const cleanup_reason* reason) {
  log_init();  // whatever entry point logs first (a manager, sweep(), a tool) silences the default sink
  const int l = lvl == bl::trivial::debug ? 0 : lvl == bl::trivial::info ? 1 : 2;
  return bl::core::get()->open_record(constants().sets[l][reason ? static_cast<int>(*reason) : 6]);
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

void log_init() {
  static std::once_flag once;
  std::call_once(once, [] { bl::core::get()->add_sink(boost::make_shared<silent_sink>()); });
}

void log_message(log_level lvl, const std::string& msg) noexcept {
  try {
    bl::record rec = open(to_severity(lvl), nullptr);
    if (rec) push(rec, msg);
  } catch (...) {
  }
}

namespace {
severity level_of(cleanup_reason why) {
  return why == cleanup_reason::scope_end || why == cleanup_reason::remove_call ? bl::trivial::debug
                                                                                : bl::trivial::info;
}
}  // namespace

bool removals_logged(cleanup_reason why) noexcept {
  try {
    return static_cast<bool>(open(level_of(why), &why));  // opened and dropped: nothing is pushed
  } catch (...) {
    return false;
  }
}

removal_log::removal_log(const boost::filesystem::path& p, cleanup_reason why, bool maybe_wanted) noexcept
    : path_(p), why_(why) {
  if (!maybe_wanted) return;
  try {
    rec_ = open(level_of(why), &why);
  } catch (...) {
  }
}

void removal_log::done(const removal_result& r) noexcept {
  try {
    if (!r.ec && !rec_) return;
    const std::string ps = path_.string();
    if (r.ec) {
      bl::record w = open(bl::trivial::warning, &why_);
      if (!w) return;
      add_details(w, ps, r);
      std::string msg = "boost_tempfm: cannot remove " + ps + " (" + to_string(why_) + "): ";
      if (r.mount_point || r.failed_path != path_)
        msg += describe_failure(r);
      else
        msg += r.ec.message();
      push(w, msg + "; it stays tracked");
      return;
    }
    add_details(rec_, ps, r);
    if (!r.found)
      push(rec_, "boost_tempfm: " + ps + " was already gone (" + to_string(why_) + ")");
    else
      push(rec_, "boost_tempfm: removed " + std::string(kind_name(r.kind)) + ' ' + ps + " (" +
                     std::to_string(r.bytes) + " bytes, " + to_string(why_) + ")");
  } catch (...) {
    // Logging must never turn a cleanup into a failure, nor throw from a destructor.
  }
}

removal_result remove_logged(const boost::filesystem::path& p, cleanup_reason why, int root_fd,
                             const boost::filesystem::path& root, bool measure, bool maybe_wanted) noexcept {
  removal_log log(p, why, maybe_wanted);
  measure = measure || log.wanted();
  const std::string& ps = p.native();
  const std::string& rs = root.native();
  const bool root_child = root_fd >= 0 && ps.size() > rs.size() + 1 && ps.compare(0, rs.size(), rs) == 0 &&
                          ps[rs.size()] == '/' && ps.find('/', rs.size() + 1) == std::string::npos;
  const removal_result r =
      root_child ? remove_at(root_fd, ps.c_str() + rs.size() + 1, p, measure) : remove_tree(p, measure);
  log.done(r);
  return r;
}

}  // namespace detail
}  // namespace boost_tempfm
