// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Boost error discipline: every operation that can fail has a throwing overload and a noexcept
// error_code& overload over one implementation, so both report the same failure; the exception
// names the path and the reason, the error_code carries the same errno.
#define BOOST_TEST_MODULE test_error_codes
#include "support.hpp"

#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/signal.hpp>
#include <boost_tempfm/temp_file_manager.hpp>

#include <utility>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

namespace {

boost::system::error_code ec_value;
const fs::path path_value;
tfm::temp_file_manager* manager_ptr = nullptr;

static_assert(noexcept(manager_ptr->register_file(path_value, ec_value)), "register_file(ec) is noexcept");
static_assert(noexcept(manager_ptr->cleanup_all(ec_value)), "cleanup_all(ec) is noexcept");
static_assert(noexcept(tfm::sweep(path_value, ec_value)), "sweep(ec) is noexcept");
static_assert(noexcept(tfm::list_entries(path_value, ec_value)), "list_entries(ec) is noexcept");
static_assert(noexcept(tfm::install_signal_cleanup(ec_value)), "install_signal_cleanup(ec) is noexcept");
static_assert(noexcept(std::declval<tfm::temp_file&>().remove(ec_value)), "remove(ec) is noexcept");

// Calls the throwing form, expects a filesystem_error with errno `err` whose what() holds `reason`
// and whose path1() is `p`; returns it.
template <class F>
fs::filesystem_error thrown(F f, int err, const std::string& reason, const fs::path& p) {
  try {
    f();
  } catch (const fs::filesystem_error& e) {
    BOOST_TEST(e.code().value() == err, e.what());
    BOOST_TEST(std::string(e.what()).find(reason) != std::string::npos, e.what());
    BOOST_TEST(e.path1() == p, e.what());
    return e;
  }
  BOOST_FAIL("expected an error: " << reason);
  throw;
}

}  // namespace

BOOST_AUTO_TEST_CASE(register_file_names_each_refusal_for_what_it_is) {
  scratch s;
  tfm::temp_file_manager m("e_", s.dir / "root");
  boost::system::error_code ec;
  // Each failure: the same errno from both overloads, and a message saying what it really was.
  thrown([&] { m.register_file(""); }, EINVAL, "cannot register an empty path", "");
  m.register_file("", ec);
  BOOST_TEST(ec.value() == EINVAL);
  thrown([&] { m.register_file(s.dir / "nope"); }, ENOENT, "a path that does not exist", s.dir / "nope");
  m.register_file(s.dir / "nope", ec);
  BOOST_TEST(ec.value() == ENOENT);
  thrown([&] { m.register_file(m.root()); }, EINVAL, "refusing to register the temp root", m.root());
  m.register_file(m.root(), ec);
  BOOST_TEST(ec.value() == EINVAL);
  const fs::path reg = tfm::registry_dir(m.root()) / "locks";
  thrown([&] { m.register_file(reg); }, EINVAL, "refusing to register the registry of the temp root", reg);
  m.register_file(reg, ec);
  BOOST_TEST(ec.value() == EINVAL);
  BOOST_TEST(m.tracked_count() == 0u);
  write_file(s.dir / "ok", "x");
  m.register_file(s.dir / "ok", ec);
  BOOST_TEST(!ec);
  BOOST_TEST(m.tracked_count() == 1u);
}

BOOST_AUTO_TEST_CASE(register_file_with_error_code_never_throws_without_a_current_directory,
                     *boost::unit_test::precondition(skip_on_windows{"uses fork(2)"})) {
  // A relative path needs the current directory; when it is gone, fs::absolute throws: the
  // error_code overload must report it instead (noexcept would otherwise end the process).
  scratch s;
  child_result r = run_forked([&] {
    child_checks check;
    tfm::temp_file_manager m("e_", s.dir / "root");
    fs::create_directories(s.dir / "cwd");
    fs::current_path(s.dir / "cwd");
    fs::remove(s.dir / "cwd");
    boost::system::error_code ec;
    m.register_file("relative.txt", ec);
    check(ec.value() == ENOENT, "ec " + ec.message());
    try {
      m.register_file("relative.txt");
      check(false, "no exception");
    } catch (const fs::filesystem_error& e) {
      check(e.code().value() == ENOENT, e.what());
      check(e.path1() == "relative.txt", e.what());
    }
    return check.failed;
  });
  BOOST_TEST(r.exited_with(0), r.out);
}

BOOST_AUTO_TEST_CASE(a_bad_prefix_is_refused_before_the_root_is_created) {
  scratch s;
  const fs::path missing = s.dir / "missing" / "root";
  boost::system::error_code ec;
  thrown([&] { tfm::temp_file_manager m("x/", missing); }, EINVAL, "prefix \"x/\" holds a path separator", missing);
  thrown([&] { tfm::temp_file_manager m(std::string("a\0b", 3), missing); }, EINVAL, "prefix holds a NUL", missing);
  thrown([&] { tfm::temp_file_manager m(std::string(300, 'p'), missing); }, ENAMETOOLONG, "exceeds", missing);
  BOOST_TEST(!exists_nofollow(s.dir / "missing"));
  BOOST_TEST(listing(s.dir).empty());
}

BOOST_AUTO_TEST_CASE(sweep_and_list_entries_report_a_refused_registry,
                     *boost::unit_test::precondition(skip_on_windows{"a registry made open to others with POSIX permission bits (Windows checks the DACL)"})) {
  scratch s;
  fs::path root;
  {
    tfm::temp_file_manager m("e_", s.dir / "root");
    root = m.root();
  }
  const fs::path reg = tfm::registry_dir(root);
  set_mode(reg, 0755);  // open to others: refused, never used
  boost::system::error_code ec;
  const tfm::sweep_report rep = tfm::sweep(root, ec);
  BOOST_TEST(ec.value() == EPERM);
  BOOST_TEST(rep.removed.empty());
  thrown([&] { (void)tfm::sweep(root); }, EPERM, "refusing the registry: open to other users", reg);
  BOOST_TEST(tfm::list_entries(root, ec).empty());
  BOOST_TEST(ec.value() == EPERM);
  set_mode(reg, 0700);
  BOOST_TEST(tfm::list_entries(root, ec).empty());
  BOOST_TEST(!ec);
}
