// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// create_options: suffix, prefix, mode, random length and keep, for files and directories; bad
// options are refused with the reason and create nothing; the seed's positional form is the same
// call.
#define BOOST_TEST_MODULE test_options
#include "support.hpp"

#include <boost_tempfm/temp_file_manager.hpp>

#include <sys/stat.h>

using namespace tempfm_test;
namespace tfm = boost_tempfm;


BOOST_AUTO_TEST_CASE(suffix_prefix_and_random_length) {
  scratch s;
  tfm::temp_file_manager m("m_", s.dir);
  tfm::temp_file f = m.create_temp_file(tfm::create_options().prefix("frame_").suffix(".png").random_length(4));
  const std::string name = f.path().filename().string();
  BOOST_TEST(name.size() == 6u + 4u + 4u);
  BOOST_TEST(name.rfind("frame_", 0) == 0u);
  BOOST_TEST(name.substr(10) == ".png");
  BOOST_TEST(name.substr(6, 4).find_first_not_of("0123456789abcdef") == std::string::npos);
  BOOST_TEST(f.path().parent_path() == m.root());
  tfm::temp_dir d = m.create_temp_dir(tfm::create_options().suffix(".d").random_length(32));
  BOOST_TEST(d.path().filename().string().size() == 2u + 32u + 2u);
  BOOST_TEST(fs::is_directory(d.path()));
  // The manager's prefix when none is given.
  BOOST_TEST(m.create_temp_file(tfm::create_options()).path().filename().string().rfind("m_", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(mode_is_exact_whatever_the_umask,
                     *boost::unit_test::precondition(skip_on_windows{"uses fork(2), umask and POSIX permission bits"})) {
#ifndef _WIN32  // skipped on Windows (above): POSIX calls
  // 0640 to share with a group, 0750 for a directory: exactly that even under umask 077, which
  // would strip the group bits from an open(..., 0640). In a child: umask is per process.
  scratch s;
  child_result r = run_forked([&] {
    child_checks check;
    ::umask(077);
    tfm::temp_file_manager m("m_", s.dir);
    tfm::temp_file f = m.create_temp_file(tfm::create_options().mode(0640));
    struct stat st;
    check(::lstat(f.path().c_str(), &st) == 0 && (st.st_mode & 07777) == 0640, "file mode 0640");
    tfm::temp_dir d = m.create_temp_dir(tfm::create_options().mode(0750));
    check(::lstat(d.path().c_str(), &st) == 0 && (st.st_mode & 07777) == 0750, "dir mode 0750");
    tfm::temp_file ro = m.create_temp_file(tfm::create_options().mode(0400).keep_open());
    check(::lstat(ro.path().c_str(), &st) == 0 && (st.st_mode & 07777) == 0400, "file mode 0400");
    check(::write(ro.native_handle(), "x", 1) == 1, "the kept descriptor still writes a 0400 file");
    tfm::temp_file def = m.create_temp_file(tfm::create_options());
    check(::lstat(def.path().c_str(), &st) == 0 && (st.st_mode & 07777) == 0600, "default 0600");
    return check.failed;
  });
  BOOST_TEST(r.exited_with(0), r.out);
#endif
}

BOOST_AUTO_TEST_CASE(keep_is_the_seeds_remove_false) {
  scratch s;
  tfm::temp_file_manager m("k_", s.dir);
  fs::path a, b, d;
  {
    tfm::temp_file fa = m.create_temp_file(tfm::create_options().suffix(".out").keep());
    tfm::temp_file fb = m.create_temp_file(".out", std::nullopt, false);
    tfm::temp_dir dd = m.create_temp_dir(tfm::create_options().keep());
    a = fa.path();
    b = fb.path();
    d = dd.path();
    BOOST_TEST(!fa.owns());
    BOOST_TEST(!fb.owns());
    BOOST_TEST(m.tracked_count() == 0u);
  }
  m.cleanup_all();
  BOOST_TEST(fs::exists(a));
  BOOST_TEST(fs::exists(b));
  BOOST_TEST(fs::is_directory(d));
  BOOST_TEST(a.extension() == ".out");
}

BOOST_AUTO_TEST_CASE(bad_options_create_nothing) {
  scratch s;
  tfm::temp_file_manager m("b_", s.dir);
  expect_error([&] { m.create_temp_file(tfm::create_options().mode(04755)); }, EINVAL, "mode 4755 holds bits other");
  expect_error([&] { m.create_temp_dir(tfm::create_options().mode(01777)); }, EINVAL, "holds bits other than permissions");
  expect_error([&] { m.create_temp_file(tfm::create_options().random_length(0)); }, EINVAL, "a random part of 0 digits");
  expect_error([&] { m.create_temp_file(tfm::create_options().random_length(257)); }, EINVAL, "1 to 256");
  expect_error([&] { m.create_temp_file(tfm::create_options().random_length(250).suffix("0123456789")); }, ENAMETOOLONG,
          "exceeds the filesystem's limit");
  expect_error([&] { m.create_temp_dir(tfm::create_options().keep_open()); }, EINVAL, "keep_open applies to files");
  expect_error([&] { m.create_temp_file(tfm::create_options().prefix("a/b")); }, EINVAL, "prefix \"a/b\" holds a path separator");
  expect_error([&] { m.create_temp_file(tfm::create_options().suffix(std::string("\0", 1)).keep()); }, EINVAL,
          "suffix holds a NUL");
  BOOST_TEST(listing(s.dir).empty());
  BOOST_TEST(m.tracked_count() == 0u);
}

BOOST_AUTO_TEST_CASE(error_code_overloads_return_an_empty_handle) {
  scratch s;
  tfm::temp_file_manager m("b_", s.dir);
  static_assert(noexcept(m.create_temp_file(tfm::create_options(), std::declval<boost::system::error_code&>())),
                "noexcept");
  static_assert(noexcept(m.create_temp_dir(tfm::create_options(), std::declval<boost::system::error_code&>())),
                "noexcept");
  boost::system::error_code ec;
  tfm::temp_file f = m.create_temp_file(tfm::create_options().suffix("/x"), ec);
  BOOST_TEST(ec.value() == EINVAL);
  BOOST_TEST(f.path().empty());
  BOOST_TEST(!f.owns());
  tfm::temp_dir d = m.create_temp_dir(tfm::create_options().mode(010000), ec);
  BOOST_TEST(ec.value() == EINVAL);
  BOOST_TEST(d.path().empty());
  tfm::temp_file ok = m.create_temp_file(tfm::create_options().suffix(".ok"), ec);
  BOOST_TEST(!ec);
  BOOST_TEST(ok.owns());
  // The root removed under the manager: the create fails with the errno the throwing form names.
  // (Not on Windows: a live manager's registry file is mapped, and a mapped file cannot be deleted.)
  if (on_windows) return;
  fs::remove_all(s.dir);
  tfm::temp_file gone = m.create_temp_file(tfm::create_options(), ec);
  BOOST_TEST(ec.value() == ENOENT);
  BOOST_TEST(m.tracked_count() == 1u);  // only `ok`, whose file went with the directory
}
