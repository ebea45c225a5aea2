// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Bad input: a clear error naming the reason, and nothing created.
#define BOOST_TEST_MODULE test_bad_input
#include "support.hpp"

#include <boost_tempfm/temp_file_manager.hpp>

using namespace tempfm_test;
namespace tfm = boost_tempfm;


BOOST_AUTO_TEST_CASE(separator_or_nul_in_prefix_or_suffix) {
  scratch s;
  tfm::temp_file_manager m("ok_", s.dir);
  const std::string nul("a\0b", 3);
  expect_error([&] { m.create_temp_file(".x", std::string("../evil_")); }, EINVAL, "holds a path separator");
  expect_error([&] { m.create_temp_file("/../../etc/x"); }, EINVAL, "suffix \"/../../etc/x\" holds a path separator");
  expect_error([&] { m.create_temp_dir(std::string("a/b")); }, EINVAL, "prefix \"a/b\" holds a path separator");
  expect_error([&] { m.create_temp_file(nul); }, EINVAL, "suffix holds a NUL character");
  expect_error([&] { m.create_temp_dir(nul); }, EINVAL, "prefix holds a NUL character");
  expect_error([&] { tfm::temp_file_manager bad("x/", s.dir); }, EINVAL, "prefix \"x/\" holds a path separator");
  BOOST_TEST(listing(s.dir).empty());
  BOOST_TEST(m.tracked_count() == 0u);
}

BOOST_AUTO_TEST_CASE(name_longer_than_the_filesystem_allows,
                     *boost::unit_test::precondition(skip_on_windows{"pathconf(_PC_NAME_MAX) and byte-length names are POSIX's"})) {
#ifndef _WIN32  // skipped on Windows (above): POSIX calls
  scratch s;
  tfm::temp_file_manager m("p_", s.dir);
  const long name_max = ::pathconf(s.dir.c_str(), _PC_NAME_MAX);
  BOOST_REQUIRE(name_max > 20);
  // prefix 2 + 16 random + suffix: the longest suffix that fits, then one byte more.
  const std::string fits(static_cast<std::size_t>(name_max) - 18, 's');
  BOOST_CHECK_NO_THROW(m.create_temp_file(fits));
  expect_error([&] { m.create_temp_file(fits + "s"); }, ENAMETOOLONG, "exceeds the filesystem's limit of");
  expect_error([&] { m.create_temp_dir(std::string(300, 'p')); }, ENAMETOOLONG, "a name of 316 bytes");
  expect_error([&] { tfm::temp_file_manager bad(std::string(300, 'p'), s.dir); }, ENAMETOOLONG, "exceeds");
  BOOST_TEST(listing(s.dir).size() == 0u);  // the one that fitted was removed with its handle
#endif
}

BOOST_AUTO_TEST_CASE(base_dir_file_or_below_a_file) {
  scratch s;
  write_file(s.dir / "f", "x");
  expect_error([&] { tfm::temp_file_manager m("p_", s.dir / "f"); }, ENOTDIR, "not a directory");
  expect_error([&] { tfm::temp_file_manager m("p_", s.dir / "f" / "sub"); }, ENOTDIR, "cannot");
  BOOST_TEST(listing(s.dir) == std::set<std::string>{"f"});
  BOOST_TEST(read_file(s.dir / "f") == "x");
}

BOOST_AUTO_TEST_CASE(base_dir_removed_under_the_manager,
                     *boost::unit_test::precondition(skip_on_windows{"removes the root under a live manager: Windows cannot delete the registry file a live process maps"})) {
  scratch s;
  tfm::temp_file_manager m("p_", s.dir / "root");
  fs::remove_all(s.dir / "root");
  expect_error([&] { m.create_temp_file(); }, ENOENT, "cannot create temporary file");
  expect_error([&] { m.create_temp_dir(); }, ENOENT, "cannot create temporary directory");
  BOOST_TEST(m.tracked_count() == 0u);
}
