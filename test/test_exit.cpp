// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Exit-time cleanup, observed in a real new process (tempfm_test_child, started with exec).
#define BOOST_TEST_MODULE test_exit
#include "support.hpp"

using namespace tempfm_test;

namespace {

void run_scenario(const std::string& mode) {
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  exec_result r = run_child_program({mode, root.string(), (s.dir / "list").string()},
                                    {"BOOST_TEMPFM_ROOT=" + (s.dir / "global").string()});
  BOOST_TEST(r.exited_with(0), r.err);
  const std::vector<std::string> lines = read_lines(s.dir / "list");
  BOOST_TEST(lines.size() == 6u);
  int gone = 0, kept = 0;
  for (const std::string& l : lines) {
    const fs::path p = l.substr(5);
    if (l.rfind("gone ", 0) == 0) {
      ++gone;
      BOOST_TEST(!exists_nofollow(p), p << " must be removed at exit (" << mode << ")");
    } else {
      ++kept;
      BOOST_TEST(exists_nofollow(p), p << " must survive (" << mode << ")");
    }
  }
  BOOST_TEST(gone == 4);
  BOOST_TEST(kept == 2);
  // Silent: the child added no Boost.Log sink, and removals at exit were logged.
  BOOST_TEST(r.out.empty(), r.out);
  BOOST_TEST(r.err.empty(), r.err);
}

}  // namespace

BOOST_AUTO_TEST_CASE(everything_tracked_is_removed_on_exit_call) { run_scenario("exit"); }

BOOST_AUTO_TEST_CASE(everything_tracked_is_removed_on_return_from_main) { run_scenario("return"); }
