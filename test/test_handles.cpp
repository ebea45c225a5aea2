// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// The RAII handles: removal at scope end (also while unwinding), release(), remove(), moves.
#define BOOST_TEST_MODULE test_handles
#include "support.hpp"

#include <boost_tempfm/temp_file_manager.hpp>

#include <stdexcept>
#include <type_traits>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

static_assert(!std::is_copy_constructible<tfm::temp_file>::value, "move-only");
static_assert(!std::is_copy_assignable<tfm::temp_dir>::value, "move-only");
static_assert(std::is_nothrow_move_constructible<tfm::temp_file>::value, "noexcept moves");
static_assert(std::is_nothrow_move_assignable<tfm::temp_dir>::value, "noexcept moves");
static_assert(std::is_nothrow_destructible<tfm::temp_file>::value, "destructors never throw");

BOOST_AUTO_TEST_CASE(file_removed_at_scope_end) {
  scratch s;
  tfm::temp_file_manager m("h_", s.dir);
  fs::path p;
  {
    tfm::temp_file f = m.create_temp_file(".mkv");
    p = f.path();
    write_file(p, "video content");
    BOOST_TEST(fs::exists(p));
    BOOST_TEST(f.owns());
  }
  BOOST_TEST(!exists_nofollow(p));
  BOOST_TEST(m.tracked_count() == 0u);
}

BOOST_AUTO_TEST_CASE(removed_during_exception_unwinding) {
  scratch s;
  tfm::temp_file_manager m("h_", s.dir);
  fs::path file, dir;
  try {
    tfm::temp_file f = m.create_temp_file(".mkv");
    tfm::temp_dir d = m.create_temp_dir();
    file = f.path();
    dir = d.path();
    write_file(d.path() / "frame.png", "png");
    throw std::runtime_error("encoder failed");
  } catch (const std::runtime_error&) {
    BOOST_TEST(!exists_nofollow(file));
    BOOST_TEST(!exists_nofollow(dir));
  }
  BOOST_TEST(listing(s.dir).empty());
}

BOOST_AUTO_TEST_CASE(nested_scopes) {
  scratch s;
  tfm::temp_file_manager m("n_", s.dir);
  tfm::temp_dir outer = m.create_temp_dir();
  {
    tfm::temp_file inner = m.create_temp_file();
    BOOST_TEST(m.tracked_count() == 2u);
  }
  BOOST_TEST(m.tracked_count() == 1u);
  BOOST_TEST(fs::exists(outer.path()));
}

BOOST_AUTO_TEST_CASE(release_keeps_the_file_and_forgets_it) {
  scratch s;
  tfm::temp_file_manager m("r_", s.dir);
  fs::path kept;
  {
    tfm::temp_file f = m.create_temp_file(".out");
    write_file(f.path(), "result");
    kept = f.release();
    BOOST_TEST(f.path().empty());
    BOOST_TEST(!f.owns());
    BOOST_TEST(m.tracked_count() == 0u);
  }
  m.cleanup_all();
  BOOST_TEST(read_file(kept) == "result");
  tfm::temp_dir d = m.create_temp_dir();
  fs::path kept_dir = d.release();
  m.cleanup_all();
  BOOST_TEST(fs::is_directory(kept_dir));
}

BOOST_AUTO_TEST_CASE(moves_transfer_ownership) {
  scratch s;
  tfm::temp_file_manager m("mv_", s.dir);
  tfm::temp_file a = m.create_temp_file();
  const fs::path pa = a.path();
  tfm::temp_file b(std::move(a));
  BOOST_TEST(a.path().empty());
  BOOST_TEST(!a.owns());
  BOOST_TEST(b.path() == pa);
  tfm::temp_file c = m.create_temp_file();
  const fs::path pc = c.path();
  c = std::move(b);  // c's old file is removed, c now owns pa
  BOOST_TEST(!exists_nofollow(pc));
  BOOST_TEST(c.path() == pa);
  BOOST_TEST(fs::exists(pa));
  std::vector<tfm::temp_dir> dirs;
  for (int i = 0; i < 10; ++i) dirs.push_back(m.create_temp_dir());  // reallocation moves them
  BOOST_TEST(m.tracked_count() == 11u);
  dirs.clear();
  BOOST_TEST(m.tracked_count() == 1u);
  c = tfm::temp_file();
  BOOST_TEST(!exists_nofollow(pa));
}

BOOST_AUTO_TEST_CASE(explicit_remove_reports_and_empties_the_handle) {
  scratch s;
  tfm::temp_file_manager m("rm_", s.dir);
  tfm::temp_file f = m.create_temp_file();
  const fs::path p = f.path();
  f.remove();
  BOOST_TEST(!exists_nofollow(p));
  BOOST_TEST(!f.owns());
  BOOST_TEST(f.path().empty());
  BOOST_CHECK_NO_THROW(f.remove());  // nothing left to do
}

BOOST_AUTO_TEST_CASE(explicit_remove_failure_throws_and_keeps_ownership,
                     *boost::unit_test::precondition(skip_on_windows{"runs as another user (nobody, from fork(2)) so that POSIX permission bits apply"})) {
  // A directory whose parent we cannot write cannot be removed: in a child as an unprivileged
  // user (root would ignore permissions). The explicit call throws naming the path; the handle
  // still owns it; the destructor then only logs.
  scratch s;
  child_result r = run_unprivileged(s.dir, [&] {
    child_checks check;
    tfm::temp_file_manager m("rmf_", s.dir / "root");
    tfm::temp_file f = m.create_temp_file();
    const fs::path p = f.path();
    set_mode(m.root(), 0500);
    try {
      f.remove();
      check(false, "remove() did not throw");
    } catch (const fs::filesystem_error& e) {
      check(e.path1() == p, "names the path");
      check(e.code().value() == EACCES, e.what());
    }
    check(f.owns() && f.path() == p, "still owned");
    check(m.tracked_count() == 1u, "still tracked");
    boost::system::error_code ec;
    f.remove(ec);
    check(ec.value() == EACCES, "error_code overload");
    set_mode(m.root(), 0700);
    f.remove(ec);
    check(!ec && !exists_nofollow(p), "removed once possible");
    return check.failed;
  });
  BOOST_TEST(r.exited_with(0), r.out);
}

BOOST_AUTO_TEST_CASE(handle_outliving_its_manager) {
  scratch s;
  fs::path p;
  tfm::temp_file f;
  {
    tfm::temp_file_manager m("o_", s.dir);
    tfm::temp_file g = m.create_temp_file();
    f = std::move(g);
    p = f.path();
  }  // the manager's destructor removes everything it tracks
  BOOST_TEST(!exists_nofollow(p));
  BOOST_TEST(!f.owns());        // removed: the handle says so
  BOOST_TEST(f.path().empty());  // as documented: empty once removed
  BOOST_TEST(f.release().empty());  // nothing is on disk to hand over
  f = tfm::temp_file();  // the handle's destructor finds nothing tracked: no effect, no crash
}

BOOST_AUTO_TEST_CASE(handles_tell_the_truth_after_cleanup_all) {
  scratch s;
  tfm::temp_file_manager m("t_", s.dir);
  tfm::temp_file f = m.create_temp_file();
  tfm::temp_dir d = m.create_temp_dir();
  const fs::path keep = m.create_temp_file("", std::nullopt, false).path();
  tfm::temp_file kept = m.create_temp_file("", std::nullopt, false);
  BOOST_TEST(f.owns());
  BOOST_TEST(d.owns());
  BOOST_TEST(!kept.owns());
  m.cleanup_all();
  BOOST_TEST(!f.owns());
  BOOST_TEST(!d.owns());
  BOOST_TEST(f.path().empty());
  BOOST_TEST(d.path().empty());
  BOOST_TEST(!kept.path().empty());  // keep: never owned, still carries its path
  BOOST_TEST(fs::exists(kept.path()));
  boost::system::error_code ec;
  f.remove(ec);  // nothing left to remove: no error
  BOOST_TEST(!ec);
  fs::remove(keep);
  fs::remove(kept.path());
}

BOOST_AUTO_TEST_CASE(handle_after_cleanup_all_does_not_touch_a_reused_name) {
  scratch s;
  tfm::temp_file_manager m("c_", s.dir);
  tfm::temp_file f = m.create_temp_file();
  const fs::path p = f.path();
  m.cleanup_all();
  BOOST_TEST(!exists_nofollow(p));
  write_file(p, "someone else's file, same name");  // the name is free again and now reused
  f = tfm::temp_file();                             // the old handle must not remove it
  BOOST_TEST(read_file(p) == "someone else's file, same name");
}
