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
#include <boost/log/sinks/basic_sink_backend.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/trivial.hpp>
#include <boost/log/utility/setup/console.hpp>
#include <boost/make_shared.hpp>

#include <cstdint>
#include <mutex>

using namespace tempfm_test;
namespace tfm = boost_tempfm;
namespace bl = boost::log;

namespace {

struct seen_record {
  std::string channel, path, kind, reason, message;
  bl::trivial::severity_level severity;
  std::uintmax_t bytes;
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

BOOST_AUTO_TEST_CASE(each_removal_is_one_record_with_attributes) {
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

BOOST_AUTO_TEST_CASE(failure_is_a_warning_naming_path_and_reason) {
  scratch s;
  child_result r = run_unprivileged(s.dir, [&] {
    child_checks check;
    with_collector c;
    tfm::temp_file_manager m("w_", s.dir / "root");
    fs::path p;
    {
      tfm::temp_file f = m.create_temp_file();
      p = f.path();
      ::chmod(m.root().c_str(), 0500);
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
    ::chmod(m.root().c_str(), 0700);
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
  BOOST_TEST(r.err.empty(), r.err);
}

BOOST_AUTO_TEST_CASE(sweep_alone_is_silent_too) {
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
