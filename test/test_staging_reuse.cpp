// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Reused staging names (design.md, "Reused staging names"): the next atomic save to a destination
// takes the staging name its last committed save had, made O_EXCL again (a name someone took or
// planted a symlink at is left alone), never shared by two threads or inherited by a forked child;
// and its registry entry, parked between saves, is out of every listing, published again only while
// it still names that file, and given back when the name is forgotten.
#define BOOST_TEST_MODULE test_staging_reuse
#include "support.hpp"

#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/temp_file_manager.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <optional>
#include <thread>
#include <vector>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

namespace {

template <class Native>
void write_fd(Native fd, const std::string& s) {
  BOOST_REQUIRE(write_native(fd, s.data(), s.size()) == static_cast<long long>(s.size()));
}

// One committed save of text to dest; returns its staging name.
fs::path save(tfm::temp_file_manager& m, const fs::path& dest, const std::string& text) {
  tfm::atomic_file f = m.create_atomic_file(dest);
  const fs::path p = f.path();
  write_fd(f.native_handle(), text);
  f.commit(tfm::persist_options().sync(false));
  return p;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_next_save_to_a_destination_reuses_the_last_committed_staging_name) {
  scratch s;
  tfm::temp_file_manager m("a_", s.dir / "root");
  const fs::path out = s.dir / "out";
  fs::create_directories(out);
  const fs::path dest = out / "r.txt";
  fs::path first, last;
  {
    tfm::atomic_file f = m.create_atomic_file(dest);
    first = f.path();
    f.commit();
  }
  {
    std::optional<tfm::atomic_file> f(m.create_atomic_file(dest));
    BOOST_TEST(f->path() == first);  // the name was free again: renamed away
    // A second save to the same destination at the same time cannot have it: a random name.
    tfm::atomic_file g = m.create_atomic_file(dest);
    BOOST_TEST(g.path() != first);
    BOOST_TEST(g.path().parent_path() == out);
    BOOST_TEST(tfm::list_entries(m.root()).size() == 2u);  // both registered
    write_fd(f->native_handle(), "f");
    f->commit();
    f.reset();  // its handle closed: Windows cannot replace a file that is open (doc/design.md)
    last = g.path();
    write_fd(g.native_handle(), "g");
    g.commit();  // remembered last: replaces first
  }
  // Not with affixes or digits of one's own, not for another destination.
  for (const tfm::create_options& o : {tfm::create_options().prefix("x."), tfm::create_options().suffix(".part"),
                                       tfm::create_options().random_length(32)}) {
    tfm::atomic_file f = m.create_atomic_file(dest, o);
    BOOST_TEST(f.path() != last);
    BOOST_TEST(f.path() != first);
  }  // dropped: removed, and the remembered name is still there
  {
    tfm::atomic_file other = m.create_atomic_file(out / "other.txt");
    BOOST_TEST(other.path().filename().string().rfind(".other.txt.", 0) == 0u);
    other.commit();
  }
  {
    tfm::atomic_file f = m.create_atomic_file(dest);
    BOOST_TEST(f.path() == last);
  }  // dropped, not committed: its name is removed and not remembered
  {
    tfm::atomic_file f = m.create_atomic_file(dest);
    BOOST_TEST(f.path() != last);
  }
  BOOST_TEST(read_file(dest) == "g");
  BOOST_TEST(listing(out) == (std::set<std::string>{"r.txt", "other.txt"}));
  BOOST_TEST(tfm::list_entries(m.root()).empty());
}

BOOST_AUTO_TEST_CASE(a_remembered_name_someone_took_or_planted_a_symlink_at_is_left_alone,
                     *boost::unit_test::precondition(skip_on_wine{"creates symlinks, which wine 8 does not"})) {
  scratch s;
  tfm::temp_file_manager m("a_", s.dir / "root");
  const fs::path out = s.dir / "out";
  fs::create_directories(out);
  const fs::path dest = out / "r.txt";
  write_file(s.dir / "precious", "keep me");
  auto save = [&](const std::string& text) {
    tfm::atomic_file f = m.create_atomic_file(dest);
    const fs::path p = f.path();
    write_fd(f.native_handle(), text);
    f.commit();
    return p;
  };
  // A file of someone else's at the remembered name: a random name instead, their file untouched.
  const fs::path p1 = save("1");
  write_file(p1, "theirs");
  const fs::path p2 = save("2");
  BOOST_TEST(p2 != p1);
  BOOST_TEST(read_file(p1) == "theirs");
  // A symlink to a file: not followed, not removed.
  fs::create_symlink(s.dir / "precious", p2);
  const fs::path p3 = save("3");
  BOOST_TEST(p3 != p2);
  BOOST_TEST(fs::is_symlink(fs::symlink_status(p2)));
  BOOST_TEST(read_file(s.dir / "precious") == "keep me");
  // A dangling symlink: its target is not created.
  fs::create_symlink(s.dir / "nothing-here", p3);
  const fs::path p4 = save("4");
  BOOST_TEST(p4 != p3);
  BOOST_TEST(!exists_nofollow(s.dir / "nothing-here"));
  BOOST_TEST(fs::is_symlink(fs::symlink_status(p3)));
  BOOST_TEST(read_file(dest) == "4");
  BOOST_TEST(listing(out) == (std::set<std::string>{"r.txt", p1.filename().string(), p2.filename().string(),
                                                    p3.filename().string()}));
  BOOST_TEST(tfm::list_entries(m.root()).empty());
}

BOOST_AUTO_TEST_CASE(threads_saving_to_one_destination_never_share_a_staging_name,
                     *boost::unit_test::precondition(skip_on_windows{
                         "a commit replacing a destination that another thread's committed handle still holds "
                         "open fails there (EACCES: no POSIX-semantics rename yet, doc/design.md)"})) {
  scratch s;
  tfm::temp_file_manager m("a_", s.dir / "root");
  const fs::path out = s.dir / "out";
  fs::create_directories(out);
  const fs::path dest = out / "shared.txt";
  constexpr int threads = 4, saves = 300;
  std::atomic<int> failures{0}, unlisted{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      const std::string text(64, static_cast<char>('a' + t));
      for (int i = 0; i < saves; ++i) {
        boost::system::error_code ec;
        tfm::atomic_file f = m.create_atomic_file(i % 2 ? dest : out / ("own" + std::to_string(t)), ec);
        if (ec || write_native(f.native_handle(), text.data(), text.size()) != 64) {
          ++failures;
          continue;
        }
        // Its entry is in the registry until the commit, whatever the other threads park,
        // revive or give back meanwhile.
        bool listed = false;
        for (const tfm::registry_entry& e : tfm::list_entries(m.root())) listed = listed || e.path == f.path();
        if (!listed) ++unlisted;
        f.commit(tfm::persist_options().sync(false), ec);
        if (ec) ++failures;
      }
    });
  for (std::thread& t : ts) t.join();
  BOOST_TEST(failures.load() == 0);
  BOOST_TEST(unlisted.load() == 0);
  const std::string last = read_file(dest);
  BOOST_TEST(last.size() == 64u);
  BOOST_TEST(last == std::string(64, last.at(0)));  // one save's whole content
  BOOST_TEST(listing(out) == (std::set<std::string>{"shared.txt", "own0", "own1", "own2", "own3"}));
  BOOST_TEST(tfm::list_entries(m.root()).empty());
}

BOOST_AUTO_TEST_CASE(a_child_after_fork_does_not_reuse_its_parents_staging_name,
                     *boost::unit_test::precondition(skip_on_windows{"uses fork(2)"})) {
  scratch s;
  tfm::temp_file_manager m("a_", s.dir / "root");
  const fs::path dest = s.dir / "r.txt";
  fs::path first;
  {
    tfm::atomic_file f = m.create_atomic_file(dest);
    first = f.path();
    f.commit();
  }
  const child_result r = run_forked([&] {
    {
      tfm::atomic_file f = m.create_atomic_file(dest);
      if (f.path() == first || f.path().parent_path() != s.dir) return 1;
    }
    // Saves that forget the parent's remembered names (and never touch its parked entries).
    for (int i = 0; i < 8; ++i) save(m, s.dir / ("c" + std::to_string(i)), "c");
    return 0;
  });
  BOOST_TEST(r.exited_with(0), r.out);
  tfm::atomic_file f = m.create_atomic_file(dest);
  BOOST_TEST(f.path() == first);  // still the parent's to reuse, its entry revived
  const std::vector<tfm::registry_entry> e = tfm::list_entries(m.root());
  BOOST_REQUIRE(e.size() == 1u);
  BOOST_TEST(e[0].path == first);
  BOOST_TEST(e[0].owner == tfm::current_process());
}

BOOST_AUTO_TEST_CASE(sigkill_during_a_save_at_a_reused_name_leaves_an_orphan_that_the_sweep_removes) {
  scratch s;
  const fs::path root = s.dir / "root", out = s.dir / "out";
  fs::create_directories(root);
  fs::create_directories(out);
  const pid_t pid =
      spawn(child_program(), {"atomic-reuse", root.string(), (out / "video.mkv").string(), (s.dir / "ready").string()});
  BOOST_REQUIRE(wait_for_file(s.dir / "ready", 60));
  const std::vector<std::string> lines = read_lines(s.dir / "ready");
  BOOST_REQUIRE(lines.size() == 2u);
  const fs::path temp = lines[0];
  BOOST_TEST(temp == fs::path(lines[1]));  // the committed save's staging name, reused
  kill_hard(pid);
  wait_for(pid);
  BOOST_TEST(read_file(temp) == "partial");
  const tfm::sweep_report rep = tfm::sweep(fs::canonical(root));
  BOOST_REQUIRE(rep.removed.size() == 1u);
  BOOST_TEST(rep.removed[0].path == temp);
  BOOST_TEST(listing(out) == std::set<std::string>{"video.mkv"});
  BOOST_TEST(read_file(out / "video.mkv") == "committed");
  BOOST_TEST(tfm::list_entries(fs::canonical(root)).empty());
}

BOOST_AUTO_TEST_CASE(between_saves_the_entry_is_parked_out_of_every_listing_and_revived_when_the_name_is_made_again) {
  scratch s;
  const fs::path root = s.dir / "root";
  const fs::path dest = s.dir / "r.txt";
  {
    tfm::temp_file_manager m("a_", root);
    const fs::path name = save(m, dest, "1");
    const auto after_first = std::chrono::system_clock::now();
    // Parked: nothing at the name, and no entry for it (a sweep of every entry finds none).
    BOOST_TEST(tfm::list_entries(m.root()).empty());
    tfm::sweep_options all;
    all.all = true;
    BOOST_TEST(tfm::sweep(m.root(), all).removed.empty());
    {
      tfm::atomic_file f = m.create_atomic_file(dest);
      BOOST_REQUIRE(f.path() == name);
      const std::vector<tfm::registry_entry> e = tfm::list_entries(m.root());
      BOOST_REQUIRE(e.size() == 1u);
      BOOST_TEST(e[0].path == name);
      BOOST_TEST(e[0].owner == tfm::current_process());
      BOOST_TEST(e[0].exists);
      BOOST_TEST((e[0].created >= after_first));  // recorded again now, not when the name was first made
      write_fd(f.native_handle(), "2");
      f.commit(tfm::persist_options().sync(false));
    }
    BOOST_TEST(tfm::list_entries(m.root()).empty());
    BOOST_TEST(read_file(dest) == "2");
  }
  // The manager gone, its parked entries' slots went back with it: its registry block was released.
  const exec_result r = run_program(program("tempfm_test_lock"), {"blocks", root.string()});
  BOOST_TEST(r.out == "0\n");
}

BOOST_AUTO_TEST_CASE(a_forgotten_name_gives_its_parked_entry_back) {
  scratch s;
  const fs::path root = s.dir / "root";
  tfm::temp_file_manager m("a_", root);
  // Six destinations in turn, four names remembered: every save forgets the oldest name. 200 saves:
  // were the forgotten names' entries kept, they would fill more than three blocks of 63 slots.
  for (int i = 0; i < 200; ++i) save(m, s.dir / ("d" + std::to_string(i % 6)), "x");
  BOOST_TEST(tfm::list_entries(m.root()).empty());
  const exec_result r = run_program(program("tempfm_test_lock"), {"blocks", root.string()});
  BOOST_TEST(r.out == "1\n");  // ours, holding the four parked entries
  // And the remembered ones still work: the last four destinations reuse their names.
  for (int d = 2; d < 6; ++d) {
    const fs::path name = save(m, s.dir / ("d" + std::to_string(d)), "y");
    tfm::atomic_file f = m.create_atomic_file(s.dir / ("d" + std::to_string(d)));
    BOOST_TEST(f.path() == name);
    const std::vector<tfm::registry_entry> e = tfm::list_entries(m.root());
    BOOST_REQUIRE(e.size() == 1u);
    BOOST_TEST(e[0].path == name);
  }
  BOOST_TEST(tfm::list_entries(m.root()).empty());
}

BOOST_AUTO_TEST_CASE(a_remembered_name_taken_again_and_again_keeps_no_registry_slot) {
  scratch s;
  const fs::path root = s.dir / "root";
  tfm::temp_file_manager m("a_", root);
  const fs::path dest = s.dir / "r.txt";
  // 100 times: the remembered name is taken by someone else, so its parked entry is revived, the
  // create fails (EEXIST) and the entry goes; a random name is saved and remembered instead. Were
  // the failed ones' slots kept, they would fill a second block of 63.
  fs::path name = save(m, dest, "0");
  for (int i = 1; i <= 100; ++i) {
    write_file(name, "theirs");
    const fs::path next = save(m, dest, std::to_string(i));
    BOOST_REQUIRE(next != name);
    name = next;
  }
  BOOST_TEST(read_file(dest) == "100");
  BOOST_TEST(tfm::list_entries(m.root()).empty());
  const exec_result r = run_program(program("tempfm_test_lock"), {"blocks", root.string()});
  BOOST_TEST(r.out == "1\n");
}

BOOST_AUTO_TEST_CASE(a_parked_entry_whose_slots_were_overwritten_is_not_published_again) {
  scratch s;
  tfm::temp_file_manager m("a_", s.dir / "root");
  const fs::path dest = s.dir / "r.txt";
  const fs::path name = save(m, dest, "1");
  // Something writes over the parked entry in the registry file (which every process maps): one
  // character of its name changes.
  const fs::path file = tfm::registry_dir(m.root()) / "registry.v2";
  // Its 16 random hex digits (".r.txt.<16 hex>.tmp"), short enough to lie in one slot.
  const std::string leaf = name.filename().string();
  const std::string digits = leaf.substr(leaf.size() - 4 - 16, 16);
  const std::string bytes = read_file(file);
  const std::size_t at = bytes.find(digits);
  BOOST_REQUIRE(at != std::string::npos);
  BOOST_REQUIRE(bytes.find(digits, at + 1) == std::string::npos);
  const std::size_t hex = at + 15;  // the last of them
  const char other = bytes[hex] == '0' ? '1' : '0';
  {
    std::fstream out(TEMPFM_TEST_STREAM_NAME(file), std::ios::in | std::ios::out | std::ios::binary);
    out.seekp(static_cast<std::streamoff>(hex));
    out.put(other);
    BOOST_REQUIRE(out.good());
  }
  // The name is reused (nothing is at it), and recorded afresh: the entry names it, not the altered name.
  tfm::atomic_file f = m.create_atomic_file(dest);
  BOOST_TEST(f.path() == name);
  const std::vector<tfm::registry_entry> e = tfm::list_entries(m.root());
  BOOST_REQUIRE(e.size() == 1u);
  BOOST_TEST(e[0].path == name);
  f.commit(tfm::persist_options().sync(false));
  BOOST_TEST(tfm::list_entries(m.root()).empty());
}
