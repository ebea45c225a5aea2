// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// cleanup_all(): removes everything tracked, is idempotent, reports failures after trying all.
#define BOOST_TEST_MODULE test_cleanup_all
#include "support.hpp"

#include <boost_tempfm/temp_file_manager.hpp>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

BOOST_AUTO_TEST_CASE(removes_everything_tracked_including_live_handles) {
  scratch s;
  tfm::temp_file_manager m("c_", s.dir / "root");
  tfm::temp_file f = m.create_temp_file(".a");
  tfm::temp_dir d = m.create_temp_dir();
  write_file(d.path() / "x", "y");
  write_file(s.dir / "ext", "e");
  m.register_file(s.dir / "ext");
  tfm::temp_file kept = m.create_temp_file(".k", std::nullopt, false);
  BOOST_TEST(m.tracked_count() == 3u);
  m.cleanup_all();
  BOOST_TEST(!exists_nofollow(f.path()));
  BOOST_TEST(!exists_nofollow(d.path()));
  BOOST_TEST(!exists_nofollow(s.dir / "ext"));
  BOOST_TEST(fs::exists(kept.path()));
  BOOST_TEST(m.tracked_count() == 0u);
  BOOST_TEST(listing(m.root()) == std::set<std::string>{kept.path().filename().string()});
}

BOOST_AUTO_TEST_CASE(is_idempotent) {
  scratch s;
  tfm::temp_file_manager m("c_", s.dir);
  for (int i = 0; i < 20; ++i) m.create_temp_file(".x", std::nullopt, true).release();  // untracked
  std::vector<tfm::temp_file> live;
  for (int i = 0; i < 20; ++i) live.push_back(m.create_temp_file());
  m.cleanup_all();
  const std::set<std::string> after_first = listing(s.dir);
  BOOST_CHECK_NO_THROW(m.cleanup_all());
  boost::system::error_code ec;
  m.cleanup_all(ec);
  BOOST_TEST(!ec);
  BOOST_TEST(listing(s.dir) == after_first);
  BOOST_TEST(after_first.size() == 20u);  // the released ones only
  m.create_temp_file();                   // the manager is still usable afterwards
  BOOST_TEST(listing(s.dir).size() == 20u);
}

BOOST_AUTO_TEST_CASE(failures_reported_after_trying_every_entry_and_stay_tracked,
                     *boost::unit_test::precondition(skip_on_windows{"runs as another user (nobody, from fork(2)) so that POSIX permission bits apply"})) {
  // Two registered files in a directory we cannot write (as an unprivileged user in a child),
  // between them entries that can be removed.
  scratch s;
  fs::create_directories(s.dir / "locked");
  write_file(s.dir / "locked" / "a", "a");
  write_file(s.dir / "locked" / "b", "b");
  child_result r = run_unprivileged(s.dir, [&] {
    child_checks check;
    tfm::temp_file_manager m("c_", s.dir / "root");
    m.register_file(s.dir / "locked" / "a");
    m.register_file(s.dir / "locked" / "b");
    tfm::temp_file ok1 = m.create_temp_file();
    tfm::temp_dir ok2 = m.create_temp_dir();
    set_mode(s.dir / "locked", 0500);
    try {
      m.cleanup_all();
      check(false, "cleanup_all did not throw");
    } catch (const tfm::cleanup_error& e) {
      check(e.failures().size() == 2u, "two failures listed");
      for (const tfm::removal_failure& f : e.failures())
        check(f.code.value() == EACCES && f.path.parent_path() == s.dir / "locked", f.path.string());
      check(e.path1() == e.failures().front().path, "path1 is the first failure");
      check(std::string(e.what()).find("could not remove 2 entries") != std::string::npos, e.what());
    }
    check(!exists_nofollow(ok1.path()) && !exists_nofollow(ok2.path()), "the others were removed");
    check(m.tracked_count() == 2u, "the failed ones stay tracked");
    boost::system::error_code ec;
    m.cleanup_all(ec);
    check(ec.value() == EACCES, "error_code overload reports the first failure");
    set_mode(s.dir / "locked", 0700);
    m.cleanup_all(ec);
    check(!ec, "succeeds once possible");
    check(listing(s.dir / "locked").empty() && m.tracked_count() == 0u, "all gone");
    return check.failed;
  });
  BOOST_TEST(r.exited_with(0), r.out);
}

BOOST_AUTO_TEST_CASE(failure_in_destructor_is_logged_not_thrown_and_stays_tracked,
                     *boost::unit_test::precondition(skip_on_windows{"runs as another user (nobody, from fork(2)) so that POSIX permission bits apply"})) {
  scratch s;
  fs::create_directories(s.dir / "locked");
  child_result r = run_unprivileged(s.dir, [&] {
    child_checks check;
    tfm::temp_file_manager m("c_", s.dir / "locked");
    fs::path p;
    {
      tfm::temp_file f = m.create_temp_file();
      p = f.path();
      set_mode(m.root(), 0500);
    }  // must not throw (that would terminate the child with a signal)
    check(fs::exists(p), "still there");
    check(m.tracked_count() == 1u, "still tracked, for cleanup_all and exit");
    set_mode(m.root(), 0700);
    m.cleanup_all();
    check(!exists_nofollow(p), "removed by cleanup_all");
    return check.failed;
  });
  BOOST_TEST(r.exited_with(0), r.out);
}
