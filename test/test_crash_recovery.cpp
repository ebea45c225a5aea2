// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// A process SIGKILLed with files, dirs and registered files: its entries are seen as dead and
// swept; a live owner's entries survive anyone's sweep; a new manager sweeps at start.
#define BOOST_TEST_MODULE test_crash_recovery
#include "support.hpp"

#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/temp_file_manager.hpp>

#include <signal.h>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

namespace {

struct held {
  pid_t pid;
  std::vector<std::string> paths;  // file, dir, outside
};

held start_holder(const fs::path& root, const fs::path& outside, const fs::path& ready) {
  held h;
  h.pid = spawn(child_program(), {"hold", root.string(), outside.string(), ready.string()});
  BOOST_REQUIRE_MESSAGE(wait_for_file(ready, 20), "the holder never got ready");
  h.paths = read_lines(ready);
  BOOST_REQUIRE(h.paths.size() == 3u);
  return h;
}

std::size_t entries_of(const fs::path& root, std::uint32_t pid, bool* alive = nullptr) {
  std::size_t n = 0;
  for (const tfm::registry_entry& e : tfm::list_entries(root))
    if (e.owner.pid == pid) {
      ++n;
      if (alive) *alive = e.owner_alive;
    }
  return n;
}

}  // namespace

BOOST_AUTO_TEST_CASE(sigkilled_owner_is_dead_and_swept_live_owner_survives) {
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  held dead = start_holder(root, s.dir / "outside_dead", s.dir / "ready_dead");
  held live = start_holder(root, s.dir / "outside_live", s.dir / "ready_live");
  const fs::path canon = fs::canonical(root);
  bool alive = false;
  BOOST_TEST(entries_of(canon, static_cast<std::uint32_t>(dead.pid), &alive) == 3u);
  BOOST_TEST(alive);

  kill_hard(dead.pid);
  const int st = wait_for(dead.pid);
  BOOST_TEST(killed_hard(st));
  BOOST_TEST(entries_of(canon, static_cast<std::uint32_t>(dead.pid), &alive) == 3u);
  BOOST_TEST(!alive);
  for (const std::string& p : dead.paths) BOOST_TEST(exists_nofollow(p), p);  // leaked, for now

  // A dry run reports and removes nothing.
  tfm::sweep_options dry;
  dry.dry_run = true;
  tfm::sweep_report would = tfm::sweep(canon, dry);
  BOOST_TEST(would.removed.size() == 3u);
  BOOST_TEST(would.bytes == 5u + 3u + 7u);
  for (const std::string& p : dead.paths) BOOST_TEST(exists_nofollow(p), p);

  tfm::sweep_options measured;
  measured.measure = true;
  tfm::sweep_report rep = tfm::sweep(canon, measured);
  BOOST_TEST(rep.removed.size() == 3u);
  BOOST_TEST(rep.failed.empty());
  BOOST_TEST(rep.bytes == 15u);
  for (const std::string& p : dead.paths) BOOST_TEST(!exists_nofollow(p), p);
  BOOST_TEST(entries_of(canon, static_cast<std::uint32_t>(dead.pid)) == 0u);
  // The live owner's entries and files are untouched.
  BOOST_TEST(entries_of(canon, static_cast<std::uint32_t>(live.pid)) == 3u);
  for (const std::string& p : live.paths) BOOST_TEST(exists_nofollow(p), p);

  kill_hard(live.pid);
  wait_for(live.pid);
}

BOOST_AUTO_TEST_CASE(a_new_manager_sweeps_what_a_crashed_run_left) {
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  held dead = start_holder(root, s.dir / "outside", s.dir / "ready");
  kill_hard(dead.pid);
  wait_for(dead.pid);
  for (const std::string& p : dead.paths) BOOST_TEST(exists_nofollow(p), p);
  tfm::temp_file_manager next_run("next_", root);  // the next run of the crashed tool
  for (const std::string& p : dead.paths) BOOST_TEST(!exists_nofollow(p), p);
  BOOST_TEST(tfm::list_entries(next_run.root()).empty());
  BOOST_TEST(listing(root).empty());
}

BOOST_AUTO_TEST_CASE(sweep_all_and_older_than) {
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  held live = start_holder(root, s.dir / "outside", s.dir / "ready");
  const fs::path canon = fs::canonical(root);
  tfm::sweep_options young;
  young.all = true;
  young.older_than = std::chrono::hours(1);
  BOOST_TEST(tfm::sweep(canon, young).removed.empty());  // nothing that old
  for (const std::string& p : live.paths) BOOST_TEST(exists_nofollow(p), p);
  tfm::sweep_options all;
  all.all = true;
  BOOST_TEST(tfm::sweep(canon, all).removed.size() == 3u);  // --all takes live owners' too
  for (const std::string& p : live.paths) BOOST_TEST(!exists_nofollow(p), p);
  kill_hard(live.pid);
  wait_for(live.pid);
}

BOOST_AUTO_TEST_CASE(sweep_removes_only_what_was_registered,
                     *boost::unit_test::precondition(skip_on_windows{"uses fork(2) and raise(SIGKILL)"})) {
#ifndef _WIN32  // skipped on Windows (above): POSIX calls
  // The dead owner registered a symlink to a directory: the sweep removes the link, not the target.
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  fs::create_directories(s.dir / "target");
  write_file(s.dir / "target" / "keep", "keep");
  fs::create_directory_symlink(s.dir / "target", s.dir / "link");
  child_result r = run_forked([&] {
    tfm::temp_file_manager m("l_", root);
    m.register_file(s.dir / "link");
    ::raise(SIGKILL);
    return 0;
  });
  BOOST_TEST((WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL));
  tfm::sweep_report rep = tfm::sweep(fs::canonical(root));
  BOOST_TEST(rep.removed.size() == 1u);
  BOOST_TEST(!exists_nofollow(s.dir / "link"));
  BOOST_TEST(read_file(s.dir / "target" / "keep") == "keep");
#endif
}
