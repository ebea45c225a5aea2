// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Unnamed files (O_TMPFILE): no name in any directory, no registry entry, nothing left after the
// handle closes or the process is SIGKILLed; link_to() gives one a name (replacing, or no-clobber),
// on its own filesystem only.
#define BOOST_TEST_MODULE test_unnamed
#include "support_native.hpp"

#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/temp_file_manager.hpp>

#include <sys/stat.h>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

namespace {

// Windows cannot give an open file a name: link_to is EOPNOTSUPP there (link_to_on_windows_...).
constexpr const char* no_link_on_windows =
    "link_to: Win32 cannot give an open file a name (EOPNOTSUPP there, checked by link_to_on_windows_is_eopnotsupp_naming_the_destination)";

}  // namespace

BOOST_AUTO_TEST_CASE(an_unnamed_file_has_no_name_and_no_entry,
                     *boost::unit_test::precondition(linux_backend_only{no_unnamed_files})) {
  scratch s;
  tfm::temp_file_manager m("u_", s.dir / "root");
  tfm::unnamed_file f = m.create_unnamed_file();
  BOOST_REQUIRE(f.is_open());
  const native fd = f.native_handle();
  BOOST_TEST(!inheritable(fd));
  BOOST_TEST(opened_read_write(fd));
  BOOST_TEST(f.path().empty());
  BOOST_REQUIRE(write_native(fd, "scratch", 7) == 7);
  char buf[8] = {};
  BOOST_TEST(read_native_at(fd, buf, 7, 0) == 7);
  BOOST_TEST(std::string(buf) == "scratch");
  // Linux: no name at all. Windows: a random name, deleted with the last handle
  // (FILE_FLAG_DELETE_ON_CLOSE), which nothing else can open meanwhile.
  BOOST_TEST(listing(m.root()).size() == (on_windows ? 1u : 0u));
  BOOST_TEST(tfm::list_entries(m.root()).empty());
  BOOST_TEST(m.tracked_count() == 0u);
#ifndef _WIN32
  BOOST_TEST(link_count(fd) == 0u);
  struct stat st;
  BOOST_REQUIRE(::fstat(fd, &st) == 0);
  BOOST_TEST((st.st_mode & 07777) == 0600u);
#else
  for (const std::string& name : listing(m.root()))
    BOOST_TEST(read_file(m.root() / name).empty(), name << " can be opened by another opener");
#endif
  tfm::unnamed_file g = std::move(f);
  BOOST_TEST(!f.is_open());
  BOOST_TEST(g.native_handle() == fd);
}

BOOST_AUTO_TEST_CASE(nothing_is_left_after_close,
                     *boost::unit_test::precondition(linux_backend_only{no_unnamed_files})) {
  scratch s;
  tfm::temp_file_manager m("u_", s.dir / "root");
  {
    tfm::unnamed_file f = m.create_unnamed_file();
    BOOST_REQUIRE(write_native(f.native_handle(), "scratch", 7) == 7);
    tfm::unnamed_file g = m.create_unnamed_file(tfm::create_options().directory(s.dir));
    g.close();
    BOOST_TEST(!g.is_open());
  }  // f closed by its destructor
  BOOST_TEST(listing(m.root()).empty());
  BOOST_TEST(listing(s.dir) == std::set<std::string>{"root"});
  BOOST_TEST(tfm::list_entries(m.root()).empty());
  BOOST_TEST(tfm::sweep(m.root()).removed.empty());
}

BOOST_AUTO_TEST_CASE(link_to_on_windows_is_eopnotsupp_naming_the_destination,
                     *boost::unit_test::precondition(windows_only{"what Windows gives in place of linkat"})) {
  scratch s;
  tfm::temp_file_manager m("u_", s.dir / "root");
  const fs::path dest = s.dir / "out.txt";
  tfm::unnamed_file f = m.create_unnamed_file();
  BOOST_REQUIRE(write_native(f.native_handle(), "new", 3) == 3);
  for (const tfm::persist_options& o : {tfm::persist_options(), tfm::persist_options().no_clobber()})
    expect_error([&] { f.link_to(dest, o); }, EOPNOTSUPP, "this system cannot give an open file a name", dest);
  boost::system::error_code ec;
  f.link_to(dest, ec);
  BOOST_TEST(ec == boost::system::errc::operation_not_supported);
  BOOST_TEST(f.is_open());  // still the scratch file it was
  BOOST_TEST(f.path().empty());
  BOOST_TEST(listing(s.dir) == std::set<std::string>{"root"});  // no staging name left
  f.close();
  BOOST_TEST(listing(m.root()).empty());
}

BOOST_AUTO_TEST_CASE(linked_it_becomes_an_ordinary_file,
                     *boost::unit_test::precondition(linux_backend_only{no_unnamed_files}) *
                         boost::unit_test::precondition(skip_on_windows{no_link_on_windows})) {
  scratch s;
  tfm::temp_file_manager m("u_", s.dir / "root");
  fs::path dest = s.dir / "root" / "kept.bin";
  {
    tfm::unnamed_file f = m.create_unnamed_file(tfm::create_options().mode(0640));
    BOOST_REQUIRE(write_native(f.native_handle(), "result", 6) == 6);
    f.link_to(dest);
    BOOST_TEST(f.path() == dest);
    BOOST_TEST(link_count(f.native_handle()) == 1u);
  }  // closing keeps the named file
  BOOST_TEST(read_file(dest) == "result");
  BOOST_TEST(mode_of(dest) == 0640u);
  BOOST_TEST(listing(m.root()) == std::set<std::string>{"kept.bin"});  // no staging name left
  BOOST_TEST(tfm::list_entries(m.root()).empty());
  m.cleanup_all();
  BOOST_TEST(fs::exists(dest));  // not the manager's
}

BOOST_AUTO_TEST_CASE(link_to_replaces_or_refuses_as_asked,
                     *boost::unit_test::precondition(linux_backend_only{no_unnamed_files}) *
                         boost::unit_test::precondition(skip_on_windows{no_link_on_windows})) {
  scratch s;
  tfm::temp_file_manager m("u_", s.dir / "root");
  const fs::path dest = s.dir / "root" / "out.txt";
  write_file(dest, "old");
  tfm::unnamed_file f = m.create_unnamed_file();
  BOOST_REQUIRE(write_native(f.native_handle(), "new", 3) == 3);
  try {
    f.link_to(dest, tfm::persist_options().no_clobber());
    BOOST_FAIL("no_clobber must refuse");
  } catch (const fs::filesystem_error& e) {
    BOOST_TEST(e.code().value() == EEXIST);
    BOOST_TEST(e.path1() == dest);
  }
  BOOST_TEST(read_file(dest) == "old");
  BOOST_TEST(link_count(f.native_handle()) == 0u);
  boost::system::error_code ec;
  f.link_to(dest, ec);  // replacing is the default
  BOOST_TEST(!ec);
  BOOST_TEST(read_file(dest) == "new");
  f.link_to(s.dir / "root" / "second.txt", tfm::persist_options().no_clobber().sync(false), ec);  // another name
  BOOST_TEST(!ec);
  BOOST_TEST(link_count(f.native_handle()) == 2u);
  BOOST_TEST(listing(m.root()) == (std::set<std::string>{"out.txt", "second.txt"}));
  f.link_to(dest, tfm::persist_options().copy_across_filesystems(), ec);
  BOOST_TEST(ec.value() == EINVAL);
  f.close();
  f.link_to(s.dir / "third", ec);
  BOOST_TEST(ec.value() == EBADF);
}

BOOST_AUTO_TEST_CASE(prefix_and_suffix_are_refused) {
  scratch s;
  tfm::temp_file_manager m("u_", s.dir / "root");
  boost::system::error_code ec;
  tfm::unnamed_file f = m.create_unnamed_file(tfm::create_options().suffix(".x"), ec);
  BOOST_TEST(ec.value() == EINVAL);
  BOOST_TEST(!f.is_open());
  BOOST_CHECK_THROW(m.create_unnamed_file(tfm::create_options().prefix("p")), fs::filesystem_error);
  BOOST_CHECK_THROW(m.create_unnamed_file(tfm::create_options().mode(04600)), fs::filesystem_error);
}

BOOST_AUTO_TEST_CASE(nothing_is_left_after_sigkill,
                     *boost::unit_test::precondition(linux_backend_only{no_unnamed_files})) {
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  const pid_t pid = spawn(child_program(), {"unnamed", root.string(), (s.dir / "ready").string()});
  BOOST_REQUIRE(wait_for_file(s.dir / "ready", 60));
  kill_hard(pid);  // SIGKILL; TerminateProcess on Windows
  BOOST_TEST(killed_hard(wait_for(pid)));
  BOOST_TEST(listing(root).empty());
  BOOST_TEST(tfm::list_entries(fs::canonical(root)).empty());
  BOOST_TEST(tfm::sweep(fs::canonical(root)).removed.empty());  // nothing for a sweep either
}

BOOST_AUTO_TEST_CASE(link_to_another_filesystem_is_exdev_naming_the_destination,
                     *boost::unit_test::precondition(linux_backend_only{no_unnamed_files}) *
                         boost::unit_test::precondition(skip_on_windows{no_link_on_windows}) *
                         boost::unit_test::precondition([](boost::unit_test::test_unit_id) {
                       struct stat a, b;
                       return !on_windows && ::stat("/dev/shm", &a) == 0 &&
                              ::stat(fs::temp_directory_path().string().c_str(), &b) == 0 && a.st_dev != b.st_dev;
                     })) {
  const fs::path shm = fs::path("/dev/shm") / fs::unique_path("tempfm-test-%%%%%%%%%%%%");
  scratch disk;
  {
    tfm::temp_file_manager m("u_", shm);
    tfm::unnamed_file f = m.create_unnamed_file();
    for (const tfm::persist_options& o : {tfm::persist_options(), tfm::persist_options().no_clobber()}) {
      try {
        f.link_to(disk.dir / "out", o);
        BOOST_FAIL("expected EXDEV");
      } catch (const fs::filesystem_error& e) {
        BOOST_TEST(e.code().value() == EXDEV);
        BOOST_TEST(e.path1() == disk.dir / "out");
        BOOST_TEST(std::string(e.what()).find("another filesystem") != std::string::npos, e.what());
      }
    }
    BOOST_TEST(listing(disk.dir).empty());
  }
  fs::remove_all(shm);
}
