// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Boost.Log: one record per removal on channel "boost_tempfm" with severity and attributes;
// nothing at all on stdout/stderr when the application adds no sink.
#define BOOST_TEST_MODULE test_log
#include "support.hpp"

#include <boost_tempfm/log.hpp>
#include <boost_tempfm/temp_file_manager.hpp>

#include <boost/log/attributes/value_extraction.hpp>
#include <boost/log/core.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/sinks/basic_sink_backend.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/trivial.hpp>
#include <boost/log/utility/setup/console.hpp>
#include <boost/make_shared.hpp>

#include <cstdint>
#include <mutex>
#include <regex>
#include <thread>

using namespace tempfm_test;
namespace tfm = boost_tempfm;
namespace bl = boost::log;

namespace {

struct seen_record {
  std::string channel, path, kind, reason, message;
  bl::trivial::severity_level severity;
  std::uintmax_t bytes;
  int unwinding;  // TempfmUnwinding: 0, 1, or -1 when absent
};

// A sink backend that keeps the boost_tempfm records it receives.
class collector : public bl::sinks::basic_sink_backend<bl::sinks::synchronized_feeding> {
 public:
  void consume(const bl::record_view& rec) {
    seen_record r;
    r.channel = bl::extract_or_default<std::string>("Channel", rec, std::string());
    if (r.channel != tfm::log_channel()) return;
    r.severity = bl::extract_or_default<bl::trivial::severity_level>("Severity", rec, bl::trivial::fatal);
    r.path = bl::extract_or_default<std::string>("TempfmPath", rec, std::string());
    r.kind = bl::extract_or_default<std::string>("TempfmKind", rec, std::string());
    r.reason = bl::extract_or_default<std::string>("TempfmReason", rec, std::string());
    r.bytes = bl::extract_or_default<std::uintmax_t>("TempfmBytes", rec, ~std::uintmax_t(0));
    r.message = bl::extract_or_default<std::string>("Message", rec, std::string());
    const bl::value_ref<bool> unwinding = bl::extract<bool>("TempfmUnwinding", rec);
    r.unwinding = unwinding ? static_cast<int>(*unwinding) : -1;
    std::lock_guard<std::mutex> g(mu_);
    records_.push_back(r);
  }
  std::vector<seen_record> take() {
    std::lock_guard<std::mutex> g(mu_);
    return std::move(records_);
  }

 private:
  std::mutex mu_;
  std::vector<seen_record> records_;
};

using collector_sink = bl::sinks::synchronous_sink<collector>;

struct with_collector {
  boost::shared_ptr<collector> backend = boost::make_shared<collector>();
  boost::shared_ptr<collector_sink> sink = boost::make_shared<collector_sink>(backend);
  with_collector() { bl::core::get()->add_sink(sink); }
  ~with_collector() { bl::core::get()->remove_sink(sink); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(each_removal_is_one_record_with_attributes,
                     *boost::unit_test::precondition(skip_on_wine{"wine 8's CreateSymbolicLinkW (what boost::filesystem::create_symlink calls) reports success and creates nothing, so there is no symlink to register there" " (the case registers one)"})) {
  scratch s;
  with_collector c;
  tfm::temp_file_manager m("log_", s.dir / "root");
  fs::path file, dir;
  {
    tfm::temp_file f = m.create_temp_file(".bin");
    file = f.path();
    write_file(file, "12345");
  }
  tfm::temp_dir d = m.create_temp_dir();
  dir = d.path();
  write_file(dir / "a", "abc");
  write_file(dir / "b", "defg");
  fs::create_symlink(dir / "a", s.dir / "link");
  m.register_file(s.dir / "link");
  m.cleanup_all();
  std::vector<seen_record> r = c.backend->take();
  BOOST_REQUIRE(r.size() == 3u);
  BOOST_TEST(r[0].path == file.string());
  BOOST_TEST(r[0].kind == "file");
  BOOST_TEST(r[0].bytes == 5u);
  BOOST_TEST(r[0].reason == "scope end");
  BOOST_TEST(r[0].severity == bl::trivial::debug);
  BOOST_TEST(r[0].message.find("removed file " + file.string() + " (5 bytes, scope end)") != std::string::npos,
             r[0].message);
  // cleanup_all order is unspecified: find each.
  bool saw_dir = false, saw_link = false;
  for (std::size_t i = 1; i < r.size(); ++i) {
    BOOST_TEST(r[i].channel == "boost_tempfm");
    BOOST_TEST(r[i].reason == "cleanup_all");
    BOOST_TEST(r[i].severity == bl::trivial::info);
    if (r[i].path == dir.string()) {
      saw_dir = true;
      BOOST_TEST(r[i].kind == "directory");
      BOOST_TEST(r[i].bytes == 7u);
    } else if (r[i].path == (s.dir / "link").string()) {
      saw_link = true;
      BOOST_TEST(r[i].kind == "symlink");
      BOOST_TEST(r[i].bytes == 0u);
    }
  }
  BOOST_TEST(saw_dir);
  BOOST_TEST(saw_link);
}

BOOST_AUTO_TEST_CASE(reasons_remove_call_and_manager_destroyed) {
  scratch s;
  with_collector c;
  fs::path removed;
  write_file(s.dir / "registered", "xy");
  write_file(s.dir / "vanished", "z");
  {
    tfm::temp_file_manager m("log_", s.dir / "root");
    tfm::temp_file f = m.create_temp_file();
    removed = f.path();
    f.remove();
    m.create_temp_file().release();  // released: never logged
    m.register_file(s.dir / "registered");
    m.register_file(s.dir / "vanished");
    fs::remove(s.dir / "vanished");  // the user removed it first
  }
  std::vector<seen_record> r = c.backend->take();
  BOOST_REQUIRE(r.size() == 3u);
  BOOST_TEST(r[0].path == removed.string());
  BOOST_TEST(r[0].reason == "remove()");
  BOOST_TEST(r[0].severity == bl::trivial::debug);
  for (std::size_t i = 1; i < 3; ++i) {
    BOOST_TEST(r[i].reason == "manager destroyed");
    BOOST_TEST(r[i].severity == bl::trivial::info);
    if (r[i].path == (s.dir / "registered").string()) {
      BOOST_TEST(r[i].kind == "file");
      BOOST_TEST(r[i].bytes == 2u);
    } else {
      BOOST_TEST(r[i].path == (s.dir / "vanished").string());
      BOOST_TEST(r[i].kind == "nothing");
      BOOST_TEST(r[i].message.find("was already gone") != std::string::npos, r[i].message);
    }
  }
}

namespace {
// Makes a temp file and drops it in its destructor, which runs while an exception unwinds.
struct makes_a_file_in_its_destructor {
  tfm::temp_file_manager& m;
  fs::path& made;
  ~makes_a_file_in_its_destructor() {
    tfm::temp_file f = m.create_temp_file(".d");
    made = f.path();
  }
};
}  // namespace

BOOST_AUTO_TEST_CASE(a_removal_during_exception_unwinding_says_so) {
  scratch s;
  with_collector c;
  tfm::temp_file_manager m("unw_", s.dir / "root");
  fs::path unwound, normal, in_handler, in_destructor;
  try {
    tfm::temp_file f = m.create_temp_file(".u");
    unwound = f.path();
    throw std::runtime_error("unwind");
  } catch (const std::runtime_error&) {
    tfm::temp_file f = m.create_temp_file(".h");  // made and dropped in a handler: no exception in flight
    in_handler = f.path();
  }
  {
    tfm::temp_file f = m.create_temp_file(".n");
    normal = f.path();
  }
  try {
    makes_a_file_in_its_destructor k{m, in_destructor};
    throw std::runtime_error("unwind");
  } catch (const std::runtime_error&) {
  }
  // The destructor's own handle was made and dropped during the same unwinding: its scope ended
  // normally (std::uncaught_exceptions() did not grow between its construction and destruction).
  std::vector<seen_record> r = c.backend->take();
  BOOST_REQUIRE(r.size() == 4u);
  BOOST_TEST(r[0].path == unwound.string());
  BOOST_TEST(r[0].unwinding == 1);
  BOOST_TEST(r[0].reason == "scope end");  // the reason filters see is unchanged
  BOOST_TEST(r[0].severity == bl::trivial::debug);
  BOOST_TEST(r[0].message == "boost_tempfm: removed file " + unwound.string() +
                                 " (0 bytes, scope end during exception unwinding)");
  const fs::path others[] = {in_handler, normal, in_destructor};
  for (std::size_t i = 1; i < 4; ++i) {
    BOOST_TEST(r[i].path == others[i - 1].string());
    BOOST_TEST(r[i].unwinding == 0, r[i].path);
    BOOST_TEST(r[i].reason == "scope end");
    BOOST_TEST(r[i].message == "boost_tempfm: removed file " + r[i].path + " (0 bytes, scope end)");
  }
}

BOOST_AUTO_TEST_CASE(failure_is_a_warning_naming_path_and_reason,
                     *boost::unit_test::precondition(skip_on_windows{"runs as another user (nobody, from fork(2)) so that POSIX permission bits apply"})) {
  scratch s;
  child_result r = run_unprivileged(s.dir, [&] {
    child_checks check;
    with_collector c;
    tfm::temp_file_manager m("w_", s.dir / "root");
    fs::path p;
    {
      tfm::temp_file f = m.create_temp_file();
      p = f.path();
      set_mode(m.root(), 0500);
    }
    std::vector<seen_record> recs = c.backend->take();
    check(recs.size() == 1u, "one record");
    if (recs.size() == 1u) {
      check(recs[0].severity == bl::trivial::warning, "a warning");
      check(recs[0].path == p.string(), "names the path");
      check(recs[0].message.find("cannot remove " + p.string() + " (scope end): Permission denied") !=
                std::string::npos,
            recs[0].message);
      check(recs[0].message.find("it stays tracked") != std::string::npos, recs[0].message);
    }
    set_mode(m.root(), 0700);
    return check.failed;
  });
  BOOST_TEST(r.exited_with(0), r.out);
}

namespace {

// An application with its own severity type, and keywords for it and for the channel.
enum class app_level { verbose, normal, notice, problem, critical };
BOOST_LOG_ATTRIBUTE_KEYWORD(app_severity, "Severity", app_level)
BOOST_LOG_ATTRIBUTE_KEYWORD(app_channel, "Channel", std::string)

// Keeps (severity, reason) of the records it receives; -1: no app_level severity.
class level_collector : public bl::sinks::basic_sink_backend<bl::sinks::synchronized_feeding> {
 public:
  void consume(const bl::record_view& rec) {
    const bl::value_ref<app_level> lvl = bl::extract<app_level>("Severity", rec);
    const bool trivial = static_cast<bool>(bl::extract<bl::trivial::severity_level>("Severity", rec));
    std::lock_guard<std::mutex> g(mu_);
    seen.emplace_back(lvl ? static_cast<int>(*lvl) : trivial ? -2 : -1,
                      bl::extract_or_default<std::string>("TempfmReason", rec, std::string()));
  }
  std::vector<std::pair<int, std::string>> seen;

 private:
  std::mutex mu_;
};

}  // namespace

BOOST_AUTO_TEST_CASE(an_application_severity_type_with_set_log_severity,
                     *boost::unit_test::precondition(skip_on_windows{"runs as another user (nobody, from fork(2)) so that POSIX permission bits apply"})) {
  // In a child (the setting is process-wide), as an unprivileged user (for a failed removal).
  scratch s;
  child_result r = run_unprivileged(s.dir, [&] {
    child_checks check;
    tfm::set_log_severity(app_level::normal, app_level::notice, app_level::problem);
    using sink_t = bl::sinks::synchronous_sink<level_collector>;
    // One sink takes the channel, one filters by the application's severity too.
    auto all = boost::make_shared<sink_t>(boost::make_shared<level_collector>());
    all->set_filter(app_channel == tfm::log_channel());
    auto notable = boost::make_shared<sink_t>(boost::make_shared<level_collector>());
    notable->set_filter(app_channel == "boost_tempfm" && app_severity >= app_level::notice);
    bl::core::get()->add_sink(all);
    bl::core::get()->add_sink(notable);
    tfm::temp_file_manager m("sev_", s.dir / "root");
    { tfm::temp_file f = m.create_temp_file(); }  // debug: normal
    tfm::temp_file kept = m.create_temp_file(".b");
    m.cleanup_all();  // info: notice
    {
      tfm::temp_file f = m.create_temp_file();
      set_mode(m.root(), 0500);
    }  // a failure: problem
    set_mode(m.root(), 0700);
    const auto want_all = std::vector<std::pair<int, std::string>>{
        {static_cast<int>(app_level::normal), "scope end"},
        {static_cast<int>(app_level::notice), "cleanup_all"},
        {static_cast<int>(app_level::problem), "scope end"}};
    const auto& a = all->locked_backend()->seen;
    check(a == want_all, "the channel sink: normal, notice, problem; got " + std::to_string(a.size()) + " records");
    const auto& n = notable->locked_backend()->seen;
    check(n.size() == 2u && n[0] == want_all[1] && n[1] == want_all[2], "the severity filter: notice and problem");
    // Back to trivial's levels.
    tfm::set_log_severity(bl::trivial::debug, bl::trivial::info, bl::trivial::warning);
    { tfm::temp_file f = m.create_temp_file(); }
    check(a.size() == 4u && a[3].first == -2, "trivial's severity again");
    return check.failed;
  });
  BOOST_TEST(r.exited_with(0), r.out);
}

BOOST_AUTO_TEST_CASE(set_log_severity_while_other_threads_log,
                     *boost::unit_test::precondition(skip_on_windows{"uses fork(2)"})) {
  // Every record carries one whole setting: trivial's debug or the application's normal.
  scratch s;
  child_result r = run_forked([&] {
    child_checks check;
    using sink_t = bl::sinks::synchronous_sink<level_collector>;
    auto sink = boost::make_shared<sink_t>(boost::make_shared<level_collector>());
    sink->set_filter(app_channel == tfm::log_channel());
    bl::core::get()->add_sink(sink);
    tfm::temp_file_manager m("mt_", s.dir / "root");
    constexpr int threads = 3, files = 300;
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([&] {
        for (int i = 0; i < files; ++i) {
          tfm::temp_file f = m.create_temp_file();
        }
      });
    for (int i = 0; i < 20; ++i) {
      tfm::set_log_severity(app_level::normal, app_level::notice, app_level::problem);
      tfm::set_log_severity(bl::trivial::debug, bl::trivial::info, bl::trivial::warning);
    }
    for (std::thread& th : ts) th.join();
    const auto& seen = sink->locked_backend()->seen;
    check(seen.size() == threads * files, "one record per removal");
    for (const auto& rec : seen)
      if (rec.first != -2 && rec.first != static_cast<int>(app_level::normal)) check(false, "a severity of neither setting");
    return check.failed;
  });
  BOOST_TEST(r.exited_with(0), r.out);
}

BOOST_AUTO_TEST_CASE(no_sink_means_no_output_in_a_real_process) {
  // The exit scenario logs removals by handles, cleanup and exit; with no sink nothing is printed.
  scratch s;
  fs::create_directories(s.dir / "root");
  exec_result r = run_child_program({"exit", (s.dir / "root").string(), (s.dir / "list").string()},
                                    {"BOOST_TEMPFM_ROOT=" + (s.dir / "global").string()});
  BOOST_TEST(r.exited_with(0));
  BOOST_TEST(r.out == "");
  BOOST_TEST(r.err == "");
  BOOST_TEST(read_lines(s.dir / "list").size() == 6u);  // it did work
}

namespace {

// The lines Boost.Log's default sink prints (src/default_sink.cpp):
// "[2026-01-02 03:04:05.678901] [0x00007f...] [info]    message".
std::regex default_sink_line(const std::string& level, const std::string& message) {
  std::string padded = "[" + level + "]";
  padded.resize(9, ' ');
  std::string escaped;
  for (char c : padded + " " + message) {
    if (std::strchr("[]().*+?^$|{}\\", c)) escaped += '\\';
    escaped += c;
  }
  return std::regex(R"(\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}\] \[0x[0-9a-f]+\] )" + escaped);
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

void expect_all_gone(const fs::path& list, std::size_t n) {
  const std::vector<std::string> lines = read_lines(list);
  BOOST_TEST(lines.size() == n);
  for (const std::string& l : lines) {
    BOOST_TEST(l.rfind("gone ", 0) == 0u, l);
    BOOST_TEST(!exists_nofollow(l.substr(5)), l);
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_application_without_sinks_keeps_its_own_records_and_gets_none_of_ours) {
  // BOOST_LOG_TRIVIAL with Boost.Log's default sink, around removals at scope end, by remove(),
  // cleanup_all() and at exit: stdout holds the application's records exactly as the default sink
  // prints them, in order, and nothing else.
  scratch s;
  fs::create_directories(s.dir / "root");
  exec_result r = run_child_program({"app-log", (s.dir / "root").string(), (s.dir / "list").string()},
                                    {"BOOST_TEMPFM_ROOT=" + (s.dir / "global").string()});
  BOOST_TEST(r.exited_with(0), r.err);
  BOOST_TEST(r.err == "");
  BOOST_TEST(r.out.find("boost_tempfm") == std::string::npos, r.out);
  const std::vector<std::string> lines = split_lines(r.out);
  BOOST_REQUIRE_MESSAGE(lines.size() == 4u, r.out);
  BOOST_TEST(std::regex_match(lines[0], default_sink_line("info", "app: before the manager")), lines[0]);
  BOOST_TEST(std::regex_match(lines[1], default_sink_line("info", "app: after a scope end")), lines[1]);
  BOOST_TEST(std::regex_match(lines[2], default_sink_line("debug", "app: debug")), lines[2]);
  BOOST_TEST(std::regex_match(lines[3], default_sink_line("warning", "app: warning")), lines[3]);
  expect_all_gone(s.dir / "list", 5);
}

BOOST_AUTO_TEST_CASE(remove_all_sinks_then_exit_prints_nothing_of_ours) {
  // The application's sink (on stderr) sees the records while it is there; after
  // remove_all_sinks() the exit hook removes the live files and stdout only has the application's
  // own record, printed by the default sink.
  scratch s;
  fs::create_directories(s.dir / "root");
  exec_result r = run_child_program({"shutdown", (s.dir / "root").string(), (s.dir / "list").string()});
  BOOST_TEST(r.exited_with(0), r.err);
  const std::vector<std::string> out = split_lines(r.out);
  BOOST_REQUIRE_MESSAGE(out.size() == 1u, r.out);
  BOOST_TEST(std::regex_match(out[0], default_sink_line("info", "app: after remove_all_sinks")), out[0]);
  const std::vector<std::string> err = split_lines(r.err);
  BOOST_REQUIRE_MESSAGE(err.size() == 2u, r.err);
  BOOST_TEST(err[0] == "app-sink: app: with its sink");
  BOOST_TEST(err[1].rfind("app-sink: boost_tempfm: removed file ", 0) == 0u, err[1]);
  BOOST_TEST(err[1].find("(0 bytes, scope end)") != std::string::npos, err[1]);
  expect_all_gone(s.dir / "list", 2);
}

BOOST_AUTO_TEST_CASE(an_application_sink_sees_the_records_in_a_real_process) {
  scratch s;
  fs::create_directories(s.dir / "root");
  exec_result r = run_child_program({"sink", (s.dir / "root").string()});
  BOOST_TEST(r.exited_with(0), r.err);
  BOOST_TEST(r.out.find("boost_tempfm | debug | file | 5 | scope end | boost_tempfm: removed file ") !=
                 std::string::npos,
             r.out);
  BOOST_TEST(r.out.find("boost_tempfm | info | directory | 3 | cleanup_all | boost_tempfm: removed directory ") !=
                 std::string::npos,
             r.out);
  BOOST_TEST(r.out.find(" | info |  |  |  | app: own record\n") != std::string::npos, r.out);  // and its own
  BOOST_TEST(r.err.empty(), r.err);
}

BOOST_AUTO_TEST_CASE(sweep_alone_is_silent_too,
                     *boost::unit_test::precondition(skip_on_windows{"uses fork(2)"})) {
  // A process whose first use of the library is sweep() (a tool), with an orphan to remove.
  scratch s;
  fs::create_directories(s.dir / "root");
  child_result dead = run_forked([&] {
    tfm::temp_file_manager m("orphan_", s.dir / "root");
    m.create_temp_file().release();
    m.register_file(m.create_temp_file(".x", std::nullopt, false).path());
    ::_exit(0);  // no exit hook: the entry is left to a sweep
    return 0;
  });
  BOOST_TEST(dead.exited_with(0), dead.out);
  BOOST_TEST(listing(s.dir / "root").size() == 2u);
  exec_result r = run_child_program({"sweep", (s.dir / "root").string()});
  BOOST_TEST(r.exited_with(0), r.err);
  BOOST_TEST(r.out == "");
  BOOST_TEST(r.err == "");
  BOOST_TEST(listing(s.dir / "root").size() == 1u);  // the released file stays: released is not tracked
}
