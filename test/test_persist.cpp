// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// temp_file::persist(): rename into place (no-clobber on request); across filesystems (tmpfs root,
// destination on disk) EXDEV naming both paths, or with copy_across_filesystems() a copy in the
// destination's directory renamed into place and the original removed.
#define BOOST_TEST_MODULE test_persist
#include "support.hpp"

#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/temp_file_manager.hpp>

#include <sys/stat.h>
#ifndef _WIN32
#include <sys/vfs.h>
#endif

using namespace tempfm_test;
namespace tfm = boost_tempfm;

namespace {

// /dev/shm is tmpfs and the scratch directories are on disk here: different filesystems (statfs
// type and id, and another device), so rename between them is EXDEV. Elsewhere the test is skipped.
bool shm_is_another_filesystem() {
#ifdef _WIN32
  return false;  // the cases are skipped on Windows
#else
  struct statfs a, b;
  struct stat sa, sb;
  const fs::path tmp = fs::temp_directory_path();
  if (::statfs("/dev/shm", &a) != 0 || ::statfs(tmp.c_str(), &b) != 0) return false;
  if (::stat("/dev/shm", &sa) != 0 || ::stat(tmp.c_str(), &sb) != 0) return false;
  const bool other_fs = a.f_type != b.f_type || std::memcmp(&a.f_fsid, &b.f_fsid, sizeof a.f_fsid) != 0;
  return other_fs && sa.st_dev != sb.st_dev;
#endif
}

// A root on /dev/shm, removed at scope end.
struct shm_root {
  fs::path dir = fs::path("/dev/shm") / fs::unique_path("tempfm-test-%%%%%%%%%%%%");
  shm_root() {
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_all);
  }
  ~shm_root() {
    boost::system::error_code ec;
    fs::remove_all(dir, ec);
  }
};

boost::unit_test::precondition::predicate_t needs_exdev() {
  return [](boost::unit_test::test_unit_id) {
    return boost::test_tools::assertion_result(shm_is_another_filesystem());
  };
}

}  // namespace

BOOST_AUTO_TEST_CASE(persist_renames_and_stops_managing) {
  scratch s;
  tfm::temp_file_manager m("p_", s.dir / "root");
  tfm::temp_file f = m.create_temp_file(tfm::create_options().suffix(".mkv").keep_open());
  BOOST_REQUIRE(write_native(f.native_handle(), "video", 5) == 5);
  const fs::path temp = f.path();
  f.persist(s.dir / "final.mkv");
  BOOST_TEST(read_file(s.dir / "final.mkv") == "video");
  BOOST_TEST(!exists_nofollow(temp));
  BOOST_TEST(!f.owns());
  BOOST_TEST(f.path().empty());
  BOOST_TEST(m.tracked_count() == 0u);
  BOOST_TEST(tfm::list_entries(m.root()).empty());
  BOOST_REQUIRE(write_native(f.native_handle(), "!", 1) == 1);  // still open, on the file at its new place
  BOOST_TEST(read_file(s.dir / "final.mkv") == "video!");
  m.cleanup_all();
  BOOST_TEST(fs::exists(s.dir / "final.mkv"));  // no longer the manager's
  // Without a kept descriptor (synced through a short-lived one), and a relative destination.
  tfm::temp_file g = m.create_temp_file();
  write_file(g.path(), "g");
  const fs::path old = fs::current_path();
  fs::current_path(s.dir);
  boost::system::error_code ec;
  g.persist("g.txt", ec);
  fs::current_path(old);
  BOOST_TEST(!ec);
  BOOST_TEST(read_file(s.dir / "g.txt") == "g");
}

BOOST_AUTO_TEST_CASE(persist_no_clobber_and_errors_name_both_paths) {
  scratch s;
  tfm::temp_file_manager m("p_", s.dir / "root");
  write_file(s.dir / "taken", "theirs");
  tfm::temp_file f = m.create_temp_file();
  write_file(f.path(), "ours");
  const fs::path temp = f.path();
  try {
    f.persist(s.dir / "taken", tfm::persist_options().no_clobber());
    BOOST_FAIL("expected EEXIST");
  } catch (const fs::filesystem_error& e) {
    BOOST_TEST(e.code().value() == EEXIST);
    BOOST_TEST(e.path1() == temp);
    BOOST_TEST(e.path2() == s.dir / "taken");
  }
  BOOST_TEST(read_file(s.dir / "taken") == "theirs");
  BOOST_TEST(f.owns());
  BOOST_TEST(f.path() == temp);
  boost::system::error_code ec;
  f.persist(s.dir / "no" / "such" / "dir", ec);
  BOOST_TEST(ec.value() == ENOENT);
  BOOST_TEST(f.owns());
  f.persist(s.dir / "taken", ec);  // replacing is the default
  BOOST_TEST(!ec);
  BOOST_TEST(read_file(s.dir / "taken") == "ours");
  tfm::temp_file released = m.create_temp_file();
  (void)released.release();
  released.persist(s.dir / "r", ec);
  BOOST_TEST(ec.value() == ENOENT);
}

BOOST_AUTO_TEST_CASE(across_filesystems_exdev_names_both_paths,
                     *boost::unit_test::precondition(skip_on_windows{"renames across /dev/shm (tmpfs) and the disk"}) *
                         boost::unit_test::precondition(needs_exdev())) {
  shm_root shm;
  scratch disk;
  tfm::temp_file_manager m("x_", shm.dir);
  tfm::temp_file f = m.create_temp_file(tfm::create_options().suffix(".bin"));
  write_file(f.path(), "data");
  const fs::path temp = f.path();
  try {
    f.persist(disk.dir / "out.bin");
    BOOST_FAIL("expected EXDEV");
  } catch (const fs::filesystem_error& e) {
    BOOST_TEST(e.code().value() == EXDEV);
    BOOST_TEST(e.path1() == temp);
    BOOST_TEST(e.path2() == disk.dir / "out.bin");
    BOOST_TEST(std::string(e.what()).find("copy_across_filesystems") != std::string::npos, e.what());
  }
  boost::system::error_code ec;
  f.persist(disk.dir / "out.bin", ec);
  BOOST_TEST(ec.value() == EXDEV);
  BOOST_TEST(f.owns());  // nothing moved, nothing lost
  BOOST_TEST(read_file(temp) == "data");
  BOOST_TEST(listing(disk.dir).empty());
}

BOOST_AUTO_TEST_CASE(across_filesystems_with_the_copy_fallback,
                     *boost::unit_test::precondition(skip_on_windows{"renames across /dev/shm (tmpfs) and the disk; checks POSIX permission bits"}) *
                         boost::unit_test::precondition(needs_exdev())) {
#ifndef _WIN32  // skipped on Windows (above): POSIX calls
  shm_root shm;
  scratch disk;
  tfm::temp_file_manager m("x_", shm.dir);
  tfm::temp_file f = m.create_temp_file(tfm::create_options().mode(0640).keep_open());
  std::string big(300000, 'v');
  BOOST_REQUIRE(write_native(f.native_handle(), big.data(), big.size()) == ssize_t(big.size()));
  const fs::path temp = f.path();
  write_file(disk.dir / "out.bin", "old");
  f.persist(disk.dir / "out.bin", tfm::persist_options().copy_across_filesystems());
  BOOST_TEST(read_file(disk.dir / "out.bin") == big);
  BOOST_TEST(mode_of(disk.dir / "out.bin") == 0640u);
  BOOST_TEST(!exists_nofollow(temp));  // the original is removed
  BOOST_TEST(listing(disk.dir) == std::set<std::string>{"out.bin"});  // no staging file left
  BOOST_TEST(!f.owns());
  BOOST_TEST(m.tracked_count() == 0u);
  BOOST_TEST(tfm::list_entries(m.root()).empty());
  // The kept descriptor is now the new file's, at the same offset.
  BOOST_REQUIRE(write_native(f.native_handle(), "!", 1) == 1);
  BOOST_TEST(read_file(disk.dir / "out.bin") == big + "!");
  // No clobber across filesystems too.
  tfm::temp_file g = m.create_temp_file();
  write_file(g.path(), "g");
  boost::system::error_code ec;
  g.persist(disk.dir / "out.bin", tfm::persist_options().copy_across_filesystems().no_clobber(), ec);
  BOOST_TEST(ec.value() == EEXIST);
  BOOST_TEST(g.owns());
  BOOST_TEST(listing(disk.dir) == std::set<std::string>{"out.bin"});
  BOOST_TEST(read_file(disk.dir / "out.bin") == big + "!");
#endif
}
