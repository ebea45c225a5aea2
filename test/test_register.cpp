// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// register_file: outside files, dirs and symlinks cleaned later; what is refused.
#define BOOST_TEST_MODULE test_register
#include "support.hpp"

#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/temp_file_manager.hpp>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

BOOST_AUTO_TEST_CASE(outside_file_and_dir_removed_by_cleanup_all) {
  scratch s;
  tfm::temp_file_manager m("r_", s.dir / "root");
  const fs::path file = s.dir / "external.txt";
  write_file(file, "content");
  const fs::path dir = s.dir / "external_dir";
  fs::create_directories(dir / "x");
  write_file(dir / "x" / "y", "z");
  m.register_file(file);
  m.register_file(dir);
  BOOST_TEST(m.tracked_count() == 2u);
  BOOST_TEST(fs::exists(file));
  m.cleanup_all();
  BOOST_TEST(!exists_nofollow(file));
  BOOST_TEST(!exists_nofollow(dir));
  BOOST_TEST(m.tracked_count() == 0u);
}

// Names that are not ASCII (UTF-8 bytes on POSIX; UTF-16 on Windows, where a narrow string in the
// ANSI code page would lose them): the root, what is made in it, registered outside files and dirs.
BOOST_AUTO_TEST_CASE(names_that_are_not_ascii) {
  scratch s;
  const fs::path root = s.dir / non_ascii("root-");
  const fs::path outside = s.dir / non_ascii("outside-");
  const fs::path outside_dir = s.dir / non_ascii("dir-");
  write_file(outside, "outside");
  fs::create_directories(outside_dir / non_ascii("inner-"));
  write_file(outside_dir / non_ascii("inner-") / non_ascii("f-"), "f");
  tfm::temp_file_manager m("n_", root);
  BOOST_TEST(fs::equivalent(m.root(), root));
  fs::path file, dir;
  {
    tfm::temp_file f = m.create_temp_file(".bin");
    tfm::temp_dir d = m.create_temp_dir();
    file = f.path();
    dir = d.path();
    BOOST_TEST(fs::equivalent(file.parent_path(), root));
    write_file(file, "content");
    BOOST_TEST(read_file(file) == "content");
    write_file(dir / non_ascii("frame-"), "frame");
    m.register_file(outside);
    m.register_file(outside_dir);
    std::size_t found = 0;
    std::string listed;
    for (const tfm::registry_entry& e : tfm::list_entries(m.root())) {
      boost::system::error_code ec;
      found += fs::equivalent(e.path, outside, ec) || fs::equivalent(e.path, outside_dir, ec) ||
               fs::equivalent(e.path, file, ec) || fs::equivalent(e.path, dir, ec);
      listed += " [" + e.path.string() + "]";
    }
    BOOST_TEST(found == 4u, "entries:" << listed);
  }
  BOOST_TEST(!exists_nofollow(file));
  BOOST_TEST(!exists_nofollow(dir));
  BOOST_TEST(exists_nofollow(outside));
  m.cleanup_all();
  BOOST_TEST(!exists_nofollow(outside));
  BOOST_TEST(!exists_nofollow(outside_dir));
  BOOST_TEST(m.tracked_count() == 0u);
}

BOOST_AUTO_TEST_CASE(registered_at_manager_destruction) {
  scratch s;
  const fs::path file = s.dir / "out.mkv";
  {
    tfm::temp_file_manager m("r_", s.dir / "root");
    write_file(file, "x");
    m.register_file(file);
  }
  BOOST_TEST(!exists_nofollow(file));
}

BOOST_AUTO_TEST_CASE(kept_output_registered_later) {
  // The spec's delete=False flow: keep the file past its scope, register it, clean it later.
  scratch s;
  tfm::temp_file_manager m("k_", s.dir);
  fs::path output;
  {
    tfm::temp_file f = m.create_temp_file(".mkv", std::nullopt, false);
    write_file(f.path(), "content");
    output = f.path();
  }
  BOOST_TEST(fs::exists(output));
  m.register_file(output);
  m.cleanup_all();
  BOOST_TEST(!exists_nofollow(output));
}

BOOST_AUTO_TEST_CASE(symlink_removed_as_link_target_untouched,
                     *boost::unit_test::precondition(skip_on_wine{"wine 8's CreateSymbolicLinkW (what boost::filesystem::create_symlink calls) reports success and creates nothing, so there is no symlink to register there"})) {
  scratch s;
  tfm::temp_file_manager m("l_", s.dir / "root");
  fs::create_directories(s.dir / "target_dir");
  write_file(s.dir / "target_dir" / "data", "keep");
  write_file(s.dir / "target_file", "keep too");
  fs::create_directory_symlink(s.dir / "target_dir", s.dir / "link_dir");
  fs::create_symlink(s.dir / "target_file", s.dir / "link_file");
  m.register_file(s.dir / "link_dir");
  m.register_file(s.dir / "link_file");
  m.cleanup_all();
  BOOST_TEST(!exists_nofollow(s.dir / "link_dir"));
  BOOST_TEST(!exists_nofollow(s.dir / "link_file"));
  BOOST_TEST(read_file(s.dir / "target_dir" / "data") == "keep");
  BOOST_TEST(read_file(s.dir / "target_file") == "keep too");
}

BOOST_AUTO_TEST_CASE(relative_path_is_made_absolute_at_registration) {
  scratch s;
  tfm::temp_file_manager m("rel_", s.dir / "root");
  write_file(s.dir / "rel.txt", "x");
  const fs::path old = fs::current_path();
  fs::current_path(s.dir);
  m.register_file("rel.txt");
  fs::current_path(old);
  m.cleanup_all();
  BOOST_TEST(!exists_nofollow(s.dir / "rel.txt"));
}

BOOST_AUTO_TEST_CASE(registering_twice_tracks_once) {
  scratch s;
  tfm::temp_file_manager m("t_", s.dir);
  write_file(s.dir / "f", "x");
  m.register_file(s.dir / "f");
  m.register_file(s.dir / "." / "f");
  BOOST_TEST(m.tracked_count() == 1u);
  tfm::temp_file h = m.create_temp_file();
  m.register_file(h.path());  // already tracked through its handle
  BOOST_TEST(m.tracked_count() == 2u);
}

BOOST_AUTO_TEST_CASE(missing_path_is_a_clear_error) {
  scratch s;
  tfm::temp_file_manager m("t_", s.dir / "root");
  try {
    m.register_file(s.dir / "nope");
    BOOST_FAIL("expected an error");
  } catch (const fs::filesystem_error& e) {
    BOOST_TEST(e.code().value() == ENOENT);
    BOOST_TEST(e.path1() == s.dir / "nope");
  }
  boost::system::error_code ec;
  m.register_file(s.dir / "nope", ec);
  BOOST_TEST(ec.value() == ENOENT);
  m.register_file("", ec);
  BOOST_TEST(ec.value() == EINVAL);
  BOOST_TEST(m.tracked_count() == 0u);
}

BOOST_AUTO_TEST_CASE(a_path_the_registry_cannot_record_is_refused_at_once,
                     *boost::unit_test::precondition(windows_only{
                         "the registry records drive paths (\"/C:/...\"); every POSIX absolute path is one it records"})) {
  // An existing file named through the \\?\ prefix is no drive path: refused when registered
  // (EINVAL, naming it), not recorded to be forgotten by the next sweep; the file is kept.
  scratch s;
  tfm::temp_file_manager m("t_", s.dir / "root");
  write_file(s.dir / "out.txt", "keep");
  const fs::path extended = L"\\\\?\\" + fs::absolute(s.dir / "out.txt").make_preferred().wstring();
  try {
    m.register_file(extended);
    BOOST_FAIL("registering " << extended << " must be refused");
  } catch (const fs::filesystem_error& e) {
    BOOST_TEST(e.code().value() == EINVAL);
    BOOST_TEST(e.path1() == extended);
    BOOST_TEST(std::string(e.what()).find("cannot register a path the registry cannot record") != std::string::npos, e.what());
  }
  boost::system::error_code ec;
  m.register_file(extended, ec);
  BOOST_TEST(ec.value() == EINVAL);
  BOOST_TEST(m.tracked_count() == 0u);
  BOOST_TEST(tfm::list_entries(m.root()).empty());
  BOOST_TEST(read_file(s.dir / "out.txt") == "keep");
}

BOOST_AUTO_TEST_CASE(root_and_its_ancestors_are_refused) {
  scratch s;
  tfm::temp_file_manager m("t_", s.dir / "a" / "root");
  tfm::temp_file keep = m.create_temp_file();
  // root_path(): "/" on POSIX, the root's drive (C:\\) on Windows, where "/" is the current drive's.
  for (const fs::path& p : {m.root(), m.root().parent_path(), m.root().root_path(), s.dir / "a" / "root" / ".",
                            s.dir / "a" / ".." / "a"}) {
    try {
      m.register_file(p);
      BOOST_FAIL("registering " << p << " must be refused");
    } catch (const fs::filesystem_error& e) {
      BOOST_TEST(e.code().value() == EINVAL);
      BOOST_TEST(std::string(e.what()).find("refusing to register the temp root") != std::string::npos, e.what());
    }
  }
  BOOST_TEST(m.tracked_count() == 1u);
  m.cleanup_all();
  BOOST_TEST(fs::is_directory(m.root()));
}
