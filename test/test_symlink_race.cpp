// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Symlink races on removal (CWE-59): while a temp dir is being removed, another thread keeps
// swapping its subdirectories for symlinks to a directory outside. Nothing outside is removed or
// changed, also on the path that fixes the permissions of read-only content.
#define BOOST_TEST_MODULE test_symlink_race
#include "support.hpp"

#include <boost_tempfm/temp_file_manager.hpp>

#include <atomic>
#include <thread>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

namespace {

constexpr int subdirs = 40;

// What must survive: files and a read-only directory outside the temp root.
void make_outside(const fs::path& out) {
  fs::create_directories(out / "ro");
  for (int i = 0; i < 5; ++i) write_file(out / ("precious" + std::to_string(i)), "keep");
  write_file(out / "ro" / "inner", "keep");
  ::chmod((out / "ro").c_str(), 0500);
}

bool outside_intact(const fs::path& out, std::string& why) {
  for (int i = 0; i < 5; ++i)
    if (read_file(out / ("precious" + std::to_string(i))) != "keep") {
      why = "precious" + std::to_string(i) + " changed";
      return false;
    }
  if (read_file(out / "ro" / "inner") != "keep") {
    why = "ro/inner changed";
    return false;
  }
  if (mode_of(out / "ro") != 0500u) {
    why = "mode of ro changed";
    return false;
  }
  if (listing(out).size() != 6u) {
    why = "entries appeared or vanished outside";
    return false;
  }
  return true;
}

// One round: a temp dir full of read-only subdirectories, removed while a thread swaps them.
int race_rounds(const fs::path& base, int rounds) {
  child_checks check;
  const fs::path out = base / "outside";
  make_outside(out);
  tfm::temp_file_manager m("race_", base / "root");
  int swaps = 0;
  for (int round = 0; round < rounds; ++round) {
    tfm::temp_dir d = m.create_temp_dir();
    for (int i = 0; i < subdirs; ++i) {
      const fs::path sd = d.path() / ("s" + std::to_string(i));
      fs::create_directories(sd / "deep");
      write_file(sd / "f", "x");
      write_file(sd / "deep" / "g", "y");
      ::chmod((sd / "deep").c_str(), 0500);  // needs the permission fix to be emptied
      ::chmod(sd.c_str(), i % 2 ? 0500 : 0300);
    }
    std::atomic<bool> stop{false};
    const fs::path dp = d.path();  // the handle itself is used by this thread only
    std::thread attacker([&] {
      int i = 0;
      while (!stop.load()) {
        const fs::path sd = dp / ("s" + std::to_string(i % subdirs));
        const fs::path moved = dp / ("m" + std::to_string(i));
        if (::rename(sd.c_str(), moved.c_str()) == 0 && ::symlink(out.c_str(), sd.c_str()) == 0) ++swaps;
        ++i;
      }
    });
    boost::system::error_code ec;
    d.remove(ec);  // may fail (the attacker adds entries); must never touch the outside
    stop = true;
    attacker.join();
    std::string why;
    const bool intact = outside_intact(out, why);
    check(intact, "round " + std::to_string(round) + ": " + why);
    if (!intact) break;
    m.cleanup_all(ec);  // whatever the attacker left inside, without the attacker
  }
  check(swaps > 0, "the attacker swapped something");
  std::fprintf(stderr, "swaps: %d\n", swaps);
  return check.failed;
}

}  // namespace

BOOST_AUTO_TEST_CASE(swapping_subdirs_for_symlinks_never_reaches_outside) {
  // As an unprivileged user, so that the permission-fixing path runs (root ignores modes).
  scratch s;
  child_result r = run_unprivileged(s.dir, [&] { return race_rounds(s.dir, 30); });
  BOOST_TEST(r.exited_with(0), r.out);
  BOOST_TEST_MESSAGE(r.out);
}

BOOST_AUTO_TEST_CASE(swapping_as_root_never_reaches_outside) {
  scratch s;
  BOOST_TEST(race_rounds(s.dir, 30) == 0);
}
