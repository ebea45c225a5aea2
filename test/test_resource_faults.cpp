// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Resource faults: a full disk (a small tmpfs) while creating and while the registry grows, no
// inodes left, too many open files, a read-only root. Each gets a clear error, and no tracking of
// the files already created is lost. Mounting needs root (CI and the README run the tests as root).
#define BOOST_TEST_MODULE test_resource_faults
#include "support.hpp"

#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/temp_file_manager.hpp>

#include <sys/mount.h>
#include <sys/resource.h>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

namespace {


// A mount that lives as long as the object.
struct mount_point {
  fs::path dir;
  mount_point(const fs::path& d, const char* type, const char* source, unsigned long flags, const char* options)
      : dir(d) {
    fs::create_directories(dir);
    BOOST_REQUIRE_MESSAGE(::mount(source, dir.c_str(), type, flags, options) == 0,
                          "mount " << dir << ": " << std::strerror(errno));
  }
  ~mount_point() { ::umount2(dir.c_str(), MNT_DETACH); }
};

// Writes zeros to p until the filesystem is full; returns the bytes written.
std::size_t fill(const fs::path& p) {
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  BOOST_REQUIRE(fd >= 0);
  char buf[4096] = {};
  std::size_t total = 0;
  for (;;) {
    const ssize_t n = ::write(fd, buf, sizeof buf);
    if (n <= 0) break;
    total += std::size_t(n);
  }
  ::close(fd);
  return total;
}

template <class F>
boost::system::error_code failure_of(F f, std::string& what) {
  try {
    f();
  } catch (const fs::filesystem_error& e) {
    what = e.what();
    return e.code();
  }
  return {};
}

}  // namespace

BOOST_AUTO_TEST_CASE(disk_full_while_the_registry_grows, *boost::unit_test::precondition([](auto) { return is_root(); })) {
  scratch s;
  mount_point mp(s.dir / "small", "tmpfs", "tmpfs", 0, "size=256k,mode=0700");
  tfm::temp_file_manager m("full_", mp.dir);
  std::vector<tfm::temp_file> kept;
  for (int i = 0; i < 40; ++i) kept.push_back(m.create_temp_file());  // within the first blocks
  fill(mp.dir / "filler");
  // Empty files need no blocks, but a registry that must grow does: go past its initial 3 blocks.
  std::string what;
  boost::system::error_code ec;
  for (int i = 0; i < 400 && !ec; ++i) {
    ec = failure_of([&] { kept.push_back(m.create_temp_file()); }, what);
  }
  BOOST_TEST(ec.value() == ENOSPC, what);
  BOOST_TEST(what.find("cannot grow the registry") != std::string::npos, what);
  // Nothing lost: every file made is tracked and registered, and no untracked file was left.
  BOOST_TEST(m.tracked_count() == kept.size());
  BOOST_TEST(tfm::list_entries(m.root()).size() == kept.size());
  BOOST_TEST(listing(mp.dir).size() == kept.size() + 1);  // + the filler
  fs::remove(mp.dir / "filler");
  for (int i = 0; i < 100; ++i) kept.push_back(m.create_temp_file());  // space again: it grows
  BOOST_TEST(tfm::list_entries(m.root()).size() == kept.size());
  m.cleanup_all();
  BOOST_TEST(listing(mp.dir).empty());
}

BOOST_AUTO_TEST_CASE(disk_full_while_creating, *boost::unit_test::precondition([](auto) { return is_root(); })) {
  // No inodes left: the file itself cannot be made. The name registered for it is withdrawn.
  scratch s;
  mount_point mp(s.dir / "small", "tmpfs", "tmpfs", 0, "size=1m,nr_inodes=32,mode=0700");
  tfm::temp_file_manager m("ino_", mp.dir);
  std::vector<tfm::temp_file> kept;
  std::string what;
  boost::system::error_code ec;
  for (int i = 0; i < 64 && !ec; ++i) ec = failure_of([&] { kept.push_back(m.create_temp_file()); }, what);
  BOOST_TEST(ec.value() == ENOSPC, what);
  BOOST_TEST(what.find("cannot create temporary file") != std::string::npos, what);
  BOOST_TEST(m.tracked_count() == kept.size());
  BOOST_TEST(tfm::list_entries(m.root()).size() == kept.size());  // no entry without a file
  ec = failure_of([&] { m.create_temp_dir(); }, what);
  BOOST_TEST(ec.value() == ENOSPC, what);
  kept.clear();
  BOOST_TEST(listing(mp.dir).empty());
  BOOST_TEST(tfm::list_entries(m.root()).empty());
}

BOOST_AUTO_TEST_CASE(too_many_open_files) {
  scratch s;
  child_result r = run_forked([&] {
    child_checks check;
    tfm::temp_file_manager m("fd_", s.dir / "root");
    tfm::temp_file before = m.create_temp_file();
    // Allow no further descriptor.
    int highest = 0;
    for (fs::directory_iterator it("/proc/self/fd"), end; it != end; ++it)
      highest = std::max(highest, std::atoi(it->path().filename().c_str()));
    struct rlimit old;
    ::getrlimit(RLIMIT_NOFILE, &old);
    struct rlimit tight = old;
    tight.rlim_cur = rlim_t(highest) + 1;
    ::setrlimit(RLIMIT_NOFILE, &tight);
    std::vector<int> gaps;  // fill any free descriptor below the limit
    for (int fd; (fd = ::open("/dev/null", O_RDONLY)) >= 0;) gaps.push_back(fd);
    std::string what;
    boost::system::error_code ec = failure_of([&] { m.create_temp_file(); }, what);
    for (int fd : gaps) ::close(fd);
    ::setrlimit(RLIMIT_NOFILE, &old);
    check(ec.value() == EMFILE, "EMFILE: " + what);
    check(what.find("cannot create temporary file") != std::string::npos, what);
    check(m.tracked_count() == 1u, "the earlier file is still tracked");
    check(tfm::list_entries(m.root()).size() == 1u, "and registered, with no phantom entry");
    tfm::temp_file after = m.create_temp_file();
    check(m.tracked_count() == 2u, "works again with descriptors");
    return check.failed;
  });
  BOOST_TEST(r.exited_with(0), r.out);
}

BOOST_AUTO_TEST_CASE(read_only_root_is_a_clear_error, *boost::unit_test::precondition([](auto) { return is_root(); })) {
  scratch s;
  fs::create_directories(s.dir / "src");
  ::chmod((s.dir / "src").c_str(), 0700);
  mount_point mp(s.dir / "ro", nullptr, (s.dir / "src").c_str(), MS_BIND, nullptr);
  BOOST_REQUIRE(::mount(nullptr, mp.dir.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) == 0);
  std::string what;
  boost::system::error_code ec = failure_of([&] { tfm::temp_file_manager m("ro_", mp.dir); }, what);
  BOOST_TEST(ec.value() == EROFS, what);
  BOOST_TEST(what.find(mp.dir.string()) != std::string::npos, what);
  BOOST_TEST(fs::is_empty(s.dir / "src"));
}
