// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Atomic save: a temp file in the destination's own directory, written through its descriptor and
// committed by rename (or renameat2(RENAME_NOREPLACE)); removed when dropped; and, after a SIGKILL
// before commit in another process, swept from the registry by name (a random name made O_EXCL: a
// symlink planted there is unlinked, never followed; a directory planted there is left alone).
// Reused staging names: test_staging_reuse.
#define BOOST_TEST_MODULE test_atomic_file
#include "support.hpp"

#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/temp_file_manager.hpp>
#include <boost_tempfm/temp_file_stream.hpp>

#include <vector>

#include <signal.h>
#include <sys/stat.h>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

namespace {

template <class Native>
void write_fd(Native fd, const std::string& s) {
  BOOST_REQUIRE(write_native(fd, s.data(), s.size()) == static_cast<long long>(s.size()));
}

}  // namespace

BOOST_AUTO_TEST_CASE(commit_puts_the_whole_file_in_place_at_once) {
  scratch s;
  tfm::temp_file_manager m("a_", s.dir / "root");
  const fs::path dest = s.dir / "out" / "result.json";
  fs::create_directories(dest.parent_path());
  tfm::atomic_file f = m.create_atomic_file(dest);
  BOOST_TEST(f.destination() == dest);
  BOOST_TEST(f.path().parent_path() == dest.parent_path());  // in the destination's own directory
  const std::string name = f.path().filename().string();
  BOOST_TEST(name.rfind(".result.json.", 0) == 0u, name);
  BOOST_TEST(name.substr(name.size() - 4) == ".tmp", name);
  BOOST_TEST(valid_handle(f.native_handle()));
  write_fd(f.native_handle(), "{\"frames\": ");
  {
    tfm::temp_file_stream out(f);
    out << 42 << "}\n";
  }  // flushed
  BOOST_TEST(!exists_nofollow(dest));  // nothing at the destination before commit
  BOOST_TEST(listing(dest.parent_path()).size() == 1u);
  // Tracked in the manager's registry, by absolute path (no registry in the output directory).
  const std::vector<tfm::registry_entry> entries = tfm::list_entries(m.root());
  BOOST_REQUIRE(entries.size() == 1u);
  BOOST_TEST(entries[0].path == f.path());
  BOOST_TEST(!exists_nofollow(tfm::registry_dir(dest.parent_path())));
  const fs::path temp = f.path();
  f.commit();
  BOOST_TEST(f.committed());
  BOOST_TEST(!f.owns());
  BOOST_TEST(f.path().empty());
  BOOST_TEST(read_file(dest) == "{\"frames\": 42}\n");
  BOOST_TEST(!exists_nofollow(temp));
  BOOST_TEST(listing(dest.parent_path()) == std::set<std::string>{"result.json"});
  BOOST_TEST(tfm::list_entries(m.root()).empty());
  BOOST_TEST(m.tracked_count() == 0u);
  write_fd(f.native_handle(), "more");  // the descriptor stays open, on the destination's file
  BOOST_TEST(read_file(dest) == "{\"frames\": 42}\nmore");
  // Committing twice is an error naming both paths.
  boost::system::error_code ec;
  f.commit(ec);
  BOOST_TEST(ec.value() == ENOENT);
}

BOOST_AUTO_TEST_CASE(replacing_keeps_readers_on_the_old_file_and_keep_mode_the_mode,
                     *boost::unit_test::precondition(skip_on_windows{"reads the replaced file through a POSIX descriptor (pread) and checks POSIX permission bits"})) {
#ifndef _WIN32  // skipped on Windows (above): POSIX calls
  scratch s;
  tfm::temp_file_manager m("a_", s.dir / "root");
  const fs::path dest = s.dir / "model.bin";
  write_file(dest, "old");
  set_mode(dest, 0640);
  const int reader = ::open(dest.c_str(), O_RDONLY | O_CLOEXEC);
  BOOST_REQUIRE(reader >= 0);
  tfm::atomic_file f = m.create_atomic_file(dest, tfm::create_options().keep_mode());
  BOOST_TEST(mode_of(f.path()) == 0640u);  // the destination's mode, from the start
  write_fd(f.native_handle(), "new content");
  BOOST_TEST(read_file(dest) == "old");
  f.commit(tfm::persist_options().sync(false));
  BOOST_TEST(read_file(dest) == "new content");
  BOOST_TEST(mode_of(dest) == 0640u);
  char buf[8] = {};
  BOOST_TEST(::pread(reader, buf, sizeof buf, 0) == 3);  // the old file, whole, for who had it open
  BOOST_TEST(std::string(buf) == "old");
  ::close(reader);
#endif
}

BOOST_AUTO_TEST_CASE(by_default_the_mode_is_that_of_open_whatever_the_destination,
                     *boost::unit_test::precondition(skip_on_windows{"uses fork(2); checks POSIX permission bits; checks the umask's effect on POSIX permission bits"})) {
  scratch s;
  child_result r = run_forked([&] {
    child_checks check;
    ::umask(022);
    tfm::temp_file_manager m("a_", s.dir / "root");
    const fs::path secret = s.dir / "secret.key";
    write_file(secret, "old");
    set_mode(secret, 0600);
    tfm::atomic_file f = m.create_atomic_file(secret);
    check(mode_of(f.path()) == 0644u, "0666 less umask 022, not the destination's 0600");
    f.commit();
    check(mode_of(secret) == 0644u, "committed like open(O_CREAT, 0666) + rename");
    // How to keep a secret private: keep_mode(), or mode(0600).
    write_file(s.dir / "a.key", "old");
    set_mode(s.dir / "a.key", 0600);
    tfm::atomic_file g = m.create_atomic_file(s.dir / "a.key", tfm::create_options().keep_mode());
    check(mode_of(g.path()) == 0600u, "keep_mode: the destination's 0600");
    g.commit();
    check(mode_of(s.dir / "a.key") == 0600u, "keep_mode: committed 0600");
    tfm::atomic_file h = m.create_atomic_file(s.dir / "b.key", tfm::create_options().mode(0600));
    check(mode_of(h.path()) == 0600u, "mode(0600)");
    // keep_mode() without a destination: mode() if given, else that of a new file.
    tfm::atomic_file k = m.create_atomic_file(s.dir / "c.key", tfm::create_options().keep_mode().mode(0600));
    check(mode_of(k.path()) == 0600u, "keep_mode().mode(0600), no destination");
    tfm::atomic_file l = m.create_atomic_file(s.dir / "d.txt", tfm::create_options().keep_mode());
    check(mode_of(l.path()) == 0644u, "keep_mode(), no destination: 0666 less the umask");
    // keep_mode applies to atomic files only.
    boost::system::error_code ec;
    (void)m.create_temp_file(tfm::create_options().keep_mode(), ec);
    check(ec.value() == EINVAL, "keep_mode refused for a temp file");
    return check.failed;
  });
  BOOST_TEST(r.exited_with(0), r.out);
}

BOOST_AUTO_TEST_CASE(a_new_destination_gets_the_mode_of_a_new_file,
                     *boost::unit_test::precondition(skip_on_windows{"uses fork(2); checks POSIX permission bits; checks the umask's effect on POSIX permission bits"})) {
  scratch s;
  child_result r = run_forked([&] {
    child_checks check;
    ::umask(027);
    tfm::temp_file_manager m("a_", s.dir / "root");
    tfm::atomic_file f = m.create_atomic_file(s.dir / "new.txt");
    check(mode_of(f.path()) == 0640u, "0666 less umask 027");
    tfm::atomic_file g = m.create_atomic_file(s.dir / "shared.txt", tfm::create_options().mode(0664));
    check(mode_of(g.path()) == 0664u, "an explicit mode, whatever the umask");
    f.commit();
    g.commit();
    check(mode_of(s.dir / "new.txt") == 0640u, "committed mode");
    return check.failed;
  });
  BOOST_TEST(r.exited_with(0), r.out);
}

BOOST_AUTO_TEST_CASE(no_clobber_refuses_an_existing_destination) {
  scratch s;
  tfm::temp_file_manager m("a_", s.dir / "root");
  const fs::path dest = s.dir / "report.pdf";
  write_file(dest, "theirs");
  tfm::atomic_file f = m.create_atomic_file(dest);
  write_fd(f.native_handle(), "ours");
  const fs::path temp = f.path();
  try {
    f.commit(tfm::persist_options().no_clobber());
    BOOST_FAIL("no_clobber must refuse");
  } catch (const fs::filesystem_error& e) {
    BOOST_TEST(e.code().value() == EEXIST);
    BOOST_TEST(e.path1() == temp);
    BOOST_TEST(e.path2() == dest);
    BOOST_TEST(std::string(e.what()).find("the destination exists (no_clobber)") != std::string::npos, e.what());
  }
  boost::system::error_code ec;
  f.commit(tfm::persist_options().no_clobber(), ec);
  BOOST_TEST(ec.value() == EEXIST);
  BOOST_TEST(read_file(dest) == "theirs");  // nothing moved
  BOOST_TEST(read_file(temp) == "ours");
  BOOST_TEST(f.owns());
  BOOST_TEST(!f.committed());
  // Once the destination is gone, the same handle commits.
  fs::remove(dest);
  f.commit(tfm::persist_options().no_clobber(), ec);
  BOOST_TEST(!ec);
  BOOST_TEST(read_file(dest) == "ours");
}

BOOST_AUTO_TEST_CASE(dropped_without_commit_it_is_removed) {
  scratch s;
  tfm::temp_file_manager m("a_", s.dir / "root");
  const fs::path dest = s.dir / "out.mkv";
  write_file(dest, "previous");
  fs::path temp;
  try {
    tfm::atomic_file f = m.create_atomic_file(dest);
    temp = f.path();
    write_fd(f.native_handle(), "half");
    throw std::runtime_error("encoder failed");
  } catch (const std::runtime_error&) {
  }
  BOOST_TEST(!exists_nofollow(temp));
  BOOST_TEST(read_file(dest) == "previous");
  BOOST_TEST(listing(s.dir) == (std::set<std::string>{"out.mkv", "root"}));
  BOOST_TEST(tfm::list_entries(m.root()).empty());
}

BOOST_AUTO_TEST_CASE(cleanup_all_before_commit_leaves_the_destination_alone,
                     *boost::unit_test::precondition(skip_on_wine{
                         "wine 8 has no FILE_DISPOSITION_FLAG_POSIX_SEMANTICS: a file removed while open keeps its "
                         "name until its last handle closes (Windows 10 1709+ on NTFS removes the name at once)"})) {
  scratch s;
  tfm::temp_file_manager m("a_", s.dir / "root");
  const fs::path dest = s.dir / "x.txt";
  tfm::atomic_file f = m.create_atomic_file(dest);
  const fs::path temp = f.path();
  m.cleanup_all();
  BOOST_TEST(!exists_nofollow(temp));
  boost::system::error_code ec;
  f.commit(ec);
  BOOST_TEST(ec.value() == ENOENT);
  BOOST_TEST(!exists_nofollow(dest));
  BOOST_TEST(!f.committed());
}

BOOST_AUTO_TEST_CASE(bad_destinations_and_options_are_refused) {
  scratch s;
  tfm::temp_file_manager m("a_", s.dir / "root");
  boost::system::error_code ec;
  for (const fs::path& bad : {fs::path(), s.dir / "missing" / "x", fs::path(s.dir.string() + "/"), s.dir / "."}) {
    tfm::atomic_file f = m.create_atomic_file(bad, ec);
    BOOST_TEST(ec.failed(), bad);
    BOOST_TEST(f.path().empty());
  }
  (void)m.create_atomic_file(s.dir / "a", tfm::create_options().directory(s.dir), ec);
  BOOST_TEST(ec.value() == EINVAL);
  (void)m.create_atomic_file(s.dir / "a", tfm::create_options().keep(), ec);
  BOOST_TEST(ec.value() == EINVAL);
  try {
    (void)m.create_atomic_file(s.dir / "missing" / "x");
    BOOST_FAIL("expected an error");
  } catch (const fs::filesystem_error& e) {
    BOOST_TEST(e.code().value() == ENOENT);
    BOOST_TEST(e.path1() == s.dir / "missing" / "x");
  }
  BOOST_TEST(listing(s.dir) == std::set<std::string>{"root"});
}

BOOST_AUTO_TEST_CASE(a_save_that_cannot_start_names_its_temp_file_and_destination_once,
                     *boost::unit_test::precondition(skip_on_windows{"uses /proc, where no file can be made"})) {
  scratch s;
  tfm::temp_file_manager m("a_", s.dir / "root");
  try {
    (void)m.create_atomic_file("/proc/tempfm-test.txt");  // the directory exists; nothing can be made in it
    BOOST_FAIL("expected an error");
  } catch (const fs::filesystem_error& e) {
    const std::string what = e.what();
    BOOST_TEST(e.code().value() == ENOENT);
    BOOST_TEST(e.path1() == fs::path("/proc/tempfm-test.txt"));
    BOOST_TEST(e.path2().parent_path() == fs::path("/proc"));
    BOOST_TEST(e.path2().filename().string().rfind(".tempfm-test.txt.", 0) == 0u, e.path2());
    BOOST_TEST(what.find("boost_tempfm: cannot start the atomic save: ") == 0u, what);
    BOOST_TEST(what.find("boost_tempfm", 1) == std::string::npos, what);      // said once
    BOOST_TEST(what.find(e.code().what()) == what.rfind(e.code().what()), what);  // the reason once
  }
  BOOST_TEST(tfm::list_entries(m.root()).empty());
}

BOOST_AUTO_TEST_CASE(sigkill_before_commit_leaves_an_orphan_that_the_sweep_removes) {
  scratch s;
  const fs::path root = s.dir / "root", out = s.dir / "out";
  fs::create_directories(root);
  fs::create_directories(out);
  write_file(out / "video.mkv", "the previous video");
  const pid_t pid = spawn(child_program(), {"atomic", root.string(), (out / "video.mkv").string(), (s.dir / "ready").string()});
  BOOST_REQUIRE(wait_for_file(s.dir / "ready", 60));
  const fs::path temp = read_lines(s.dir / "ready").at(0);
  kill_hard(pid);
  wait_for(pid);
  BOOST_TEST(read_file(temp) == "partial");  // the orphan
  BOOST_TEST(read_file(out / "video.mkv") == "the previous video");
  const std::vector<tfm::registry_entry> before = tfm::list_entries(fs::canonical(root));
  BOOST_REQUIRE(before.size() == 1u);
  BOOST_TEST(before[0].path == temp);
  BOOST_TEST(!before[0].owner_alive);
  const tfm::sweep_report rep = tfm::sweep(fs::canonical(root));
  BOOST_REQUIRE(rep.removed.size() == 1u);
  BOOST_TEST(rep.removed[0].path == temp);
  BOOST_TEST(!exists_nofollow(temp));
  BOOST_TEST(listing(out) == std::set<std::string>{"video.mkv"});
  BOOST_TEST(read_file(out / "video.mkv") == "the previous video");
  BOOST_TEST(tfm::list_entries(fs::canonical(root)).empty());
}

BOOST_AUTO_TEST_CASE(a_symlink_planted_at_the_orphans_name_is_unlinked_not_followed) {
  scratch s;
  const fs::path root = s.dir / "root", out = s.dir / "out";
  fs::create_directories(root);
  fs::create_directories(out);
  write_file(s.dir / "precious", "keep me");
  const pid_t pid = spawn(child_program(), {"atomic", root.string(), (out / "a.txt").string(), (s.dir / "ready").string()});
  BOOST_REQUIRE(wait_for_file(s.dir / "ready", 60));
  const fs::path temp = read_lines(s.dir / "ready").at(0);
  kill_hard(pid);
  wait_for(pid);
  fs::remove(temp);
  fs::create_symlink(s.dir / "precious", temp);
  const tfm::sweep_report rep = tfm::sweep(fs::canonical(root));
  BOOST_REQUIRE(rep.removed.size() == 1u);  // removed by name: the link itself
  BOOST_TEST(rep.removed[0].path == temp);
  BOOST_TEST(!exists_nofollow(temp));
  BOOST_TEST(read_file(s.dir / "precious") == "keep me");  // its target untouched
  BOOST_TEST(tfm::list_entries(fs::canonical(root)).empty());
}

BOOST_AUTO_TEST_CASE(a_directory_planted_at_the_orphans_name_is_left_alone_and_reported) {
  scratch s;
  const fs::path root = s.dir / "root", out = s.dir / "out";
  fs::create_directories(root);
  fs::create_directories(out);
  const pid_t pid = spawn(child_program(), {"atomic", root.string(), (out / "a.txt").string(), (s.dir / "ready").string()});
  BOOST_REQUIRE(wait_for_file(s.dir / "ready", 60));
  const fs::path temp = read_lines(s.dir / "ready").at(0);
  kill_hard(pid);
  wait_for(pid);
  fs::remove(temp);
  fs::create_directories(temp);
  write_file(temp / "inside", "theirs");
  const tfm::sweep_report rep = tfm::sweep(fs::canonical(root));
  BOOST_TEST(rep.removed.empty());
  BOOST_REQUIRE(rep.forgotten.size() == 1u);
  BOOST_TEST(rep.forgotten[0].path == temp);
  BOOST_TEST(rep.forgotten[0].reason.find("a directory is at the name") != std::string::npos, rep.forgotten[0].reason);
  BOOST_TEST(read_file(temp / "inside") == "theirs");
  BOOST_TEST(tfm::list_entries(fs::canonical(root)).empty());
}

BOOST_AUTO_TEST_CASE(an_entry_whose_identity_was_never_recorded_is_left_in_place) {
  // A process killed between recording an outside path and recording what it created there: the
  // sweep cannot tell whose object is at that name now, so it leaves it and forgets the entry.
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  write_file(s.dir / ".x.1234.tmp", "whose?");
  const pid_t pid = spawn(program("tempfm_test_lock"),
                          {"craft", root.string(), (s.dir / "ready").string(), "pending:" + (s.dir / ".x.1234.tmp").string()});
  BOOST_REQUIRE(wait_for_file(s.dir / "ready", 60));
  kill_hard(pid);
  wait_for(pid);
  const tfm::sweep_report rep = tfm::sweep(fs::canonical(root));
  BOOST_TEST(rep.removed.empty());
  BOOST_REQUIRE(rep.forgotten.size() == 1u);
  BOOST_TEST(rep.forgotten[0].reason.find("before recording what it is") != std::string::npos, rep.forgotten[0].reason);
  BOOST_TEST(read_file(s.dir / ".x.1234.tmp") == "whose?");
  BOOST_TEST(tfm::list_entries(fs::canonical(root)).empty());
}

// The destination as the caller spells it: "//", "." and ".." components, or relative, are
// normalised (the slow path); a normal absolute one is split directly (the fast path). Both give
// the same directory, name and destination().
BOOST_AUTO_TEST_CASE(destinations_spelt_in_any_way_resolve_to_the_same_file) {
  scratch s;
  tfm::temp_file_manager m("a_", s.dir / "root");
  const fs::path out = s.dir / "out";
  fs::create_directories(out / "sub");
  const fs::path dest = out / "r.txt";
  const std::string o = out.string();
  for (const fs::path& spelt : {fs::path(o + "/r.txt"), fs::path(o + "//r.txt"), fs::path(o + "/./r.txt"),
                                fs::path(o + "/sub/../r.txt"), fs::path(o + "/sub/.././/r.txt")}) {
    tfm::atomic_file f = m.create_atomic_file(spelt);
    BOOST_TEST(f.destination() == dest, spelt);
    BOOST_TEST(f.path().parent_path() == out, spelt);
    write_fd(f.native_handle(), spelt.string());
    f.commit();
    BOOST_TEST(read_file(dest) == spelt.string());
  }
  {
    const fs::path cwd = fs::current_path();
    fs::current_path(out / "sub");
    tfm::atomic_file f = m.create_atomic_file("../r.txt");
    fs::current_path(cwd);
    BOOST_TEST(f.destination() == dest);
    f.commit();
  }
  // Names that name no file.
  for (const std::string& bad : {o + "/", o + "/.", o + "/sub/"}) {
    boost::system::error_code ec;
    tfm::atomic_file f = m.create_atomic_file(bad, ec);
    BOOST_TEST(ec.value() == EINVAL, bad);
  }
  BOOST_TEST(listing(out) == (std::set<std::string>{"r.txt", "sub"}));
  BOOST_TEST(tfm::list_entries(m.root()).empty());
}

// Reused staging names (design.md, "Reused staging names"): the next save to a destination first
// tries the staging name of the last one committed to it, made O_EXCL like a random one.
