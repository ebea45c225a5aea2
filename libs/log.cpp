// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include "detail/log_impl.hpp"

#include <boost/log/attributes/attribute_value_impl.hpp>
#include <boost/log/core/core.hpp>
#include <boost/log/core/record.hpp>
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

}  // namespace

void log_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    bl::core::get()->add_sink(boost::make_shared<silent_sink>());
  });
}

void log_removal(const boost::filesystem::path& p, const removal_result& r, cleanup_reason why) noexcept {
  try {
    const bool failed = static_cast<bool>(r.ec);
    const bool bulk = why == cleanup_reason::cleanup_all || why == cleanup_reason::manager_destroyed ||
                      why == cleanup_reason::exit;
    const severity lvl = failed ? bl::trivial::warning : bulk ? bl::trivial::info : bl::trivial::debug;
    // Straight to the core, without a logger object: a logger's mutex could be held by another
    // thread when the process forks, and the child may log its own removals at exit.
    bl::attribute_value_set av;
    av.insert("Channel", bl::attributes::make_attribute_value(std::string(log_channel())));
    av.insert("Severity", bl::attributes::make_attribute_value(lvl));
    av.insert("TempfmPath", bl::attributes::make_attribute_value(p.string()));
    av.insert("TempfmKind", bl::attributes::make_attribute_value(std::string(kind_name(r.kind))));
    av.insert("TempfmBytes", bl::attributes::make_attribute_value(static_cast<std::uintmax_t>(r.bytes)));
    av.insert("TempfmReason", bl::attributes::make_attribute_value(std::string(to_string(why))));
    bl::core_ptr core = bl::core::get();
    bl::record rec = core->open_record(std::move(av));
    if (!rec) return;
    bl::record_ostream strm(rec);
    if (failed) {
      strm << "boost_tempfm: cannot remove " << p.string() << " (" << to_string(why)
           << "): " << r.ec.message();
      if (r.failed_path != p) strm << " at " << r.failed_path.string();
      strm << "; it stays tracked";
    } else if (r.kind == found_kind::none) {
      strm << "boost_tempfm: " << p.string() << " was already gone (" << to_string(why) << ")";
    } else {
      strm << "boost_tempfm: removed " << kind_name(r.kind) << ' ' << p.string() << " (" << r.bytes << " bytes, "
           << to_string(why) << ")";
    }
    strm.flush();
    core->push_record(std::move(rec));
  } catch (...) {
    // Logging must never turn a cleanup into a failure, nor throw from a destructor.
  }
}

}  // namespace detail
}  // namespace boost_tempfm
