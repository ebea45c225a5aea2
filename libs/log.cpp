// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include "detail/log_impl.hpp"

#include <boost/log/attributes/attribute_value_impl.hpp>
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
bl::record open(severity lvl, const std::string* path, const char* reason) {
  log_init();  // whatever entry point logs first (a manager, sweep(), a tool) silences the default sink
  bl::attribute_value_set av;
  av.insert("Channel", bl::attributes::make_attribute_value(std::string(log_channel())));
  av.insert("Severity", bl::attributes::make_attribute_value(lvl));
  if (path) av.insert("TempfmPath", bl::attributes::make_attribute_value(*path));
  if (reason) av.insert("TempfmReason", bl::attributes::make_attribute_value(std::string(reason)));
  return bl::core::get()->open_record(std::move(av));
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
    bl::record rec = open(to_severity(lvl), nullptr, nullptr);
    if (rec) push(rec, msg);
  } catch (...) {
  }
}

removal_log::removal_log(const boost::filesystem::path& p, cleanup_reason why) noexcept : path_(p), why_(why) {
  try {
    const bool scoped = why == cleanup_reason::scope_end || why == cleanup_reason::remove_call;
    const std::string ps = p.string();
    rec_ = open(scoped ? bl::trivial::debug : bl::trivial::info, &ps, to_string(why));
  } catch (...) {
  }
}

void removal_log::done(const removal_result& r) noexcept {
  try {
    const std::string ps = path_.string();
    if (r.ec) {
      bl::record w = open(bl::trivial::warning, &ps, to_string(why_));
      if (!w) return;
      w.attribute_values().insert("TempfmKind", bl::attributes::make_attribute_value(std::string(kind_name(r.kind))));
      w.attribute_values().insert("TempfmBytes", bl::attributes::make_attribute_value(std::uintmax_t(r.bytes)));
      std::string msg = "boost_tempfm: cannot remove " + ps + " (" + to_string(why_) + "): " + r.ec.message();
      if (r.failed_path != path_) msg += " at " + r.failed_path.string();
      push(w, msg + "; it stays tracked");
      return;
    }
    if (!rec_) return;
    rec_.attribute_values().insert("TempfmKind", bl::attributes::make_attribute_value(std::string(kind_name(r.kind))));
    rec_.attribute_values().insert("TempfmBytes", bl::attributes::make_attribute_value(std::uintmax_t(r.bytes)));
    if (r.kind == found_kind::none)
      push(rec_, "boost_tempfm: " + ps + " was already gone (" + to_string(why_) + ")");
    else
      push(rec_, "boost_tempfm: removed " + std::string(kind_name(r.kind)) + ' ' + ps + " (" +
                     std::to_string(r.bytes) + " bytes, " + to_string(why_) + ")");
  } catch (...) {
    // Logging must never turn a cleanup into a failure, nor throw from a destructor.
  }
}

removal_result remove_logged(const boost::filesystem::path& p, cleanup_reason why) noexcept {
  removal_log log(p, why);
  const removal_result r = remove_tree(p, log.wanted());
  log.done(r);
  return r;
}

}  // namespace detail
}  // namespace boost_tempfm
