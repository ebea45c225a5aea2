// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// The create-unique loop itself (a private part, reached through the static library): with a
// one-digit random part there are only 16 names, so collisions are certain; each must be retried
// with new digits and must never overwrite what exists.
#define BOOST_TEST_MODULE test_create_unique
#include "support.hpp"

#include "libs/detail/create_unique.hpp"

using namespace tempfm_test;
namespace d = boost_tempfm::detail;

namespace {
const char hex[] = "0123456789abcdef";
}

BOOST_AUTO_TEST_CASE(collisions_are_retried_and_never_overwrite) {
  for (boost_tempfm::entry_type kind : {boost_tempfm::entry_type::file, boost_tempfm::entry_type::directory}) {
    scratch s;
    // Someone else holds the 8 even names, as files with content.
    for (int i = 0; i < 16; i += 2) write_file(s.dir / (std::string("c_") + hex[i] + ".x"), "theirs");
    const std::string suffix = ".x";
    std::set<std::string> made;
    // 8 free names; 7 calls each find one (the last has 2 of 16 free: a miss in 100 draws has
    // probability (14/16)^100 < 2e-6).
    for (int n = 0; n < 7; ++n) {
      fs::path p = d::create_unique(s.dir, "c_", suffix, kind, 255, 1);
      BOOST_TEST(made.insert(p.filename().string()).second);
      const char digit = p.filename().string()[2];
      BOOST_TEST((std::string(hex).find(digit) % 2) == 1u);  // an odd, free name
      BOOST_TEST((kind == boost_tempfm::entry_type::file ? fs::is_regular_file(p) : fs::is_directory(p)));
    }
    for (int i = 0; i < 16; i += 2) BOOST_TEST(read_file(s.dir / (std::string("c_") + hex[i] + ".x")) == "theirs");
    BOOST_TEST(listing(s.dir).size() == 15u);
  }
}

BOOST_AUTO_TEST_CASE(all_names_taken_is_a_clear_error) {
  scratch s;
  for (int i = 0; i < 16; ++i) write_file(s.dir / (std::string("f_") + hex[i]), "theirs");
  try {
    d::create_unique(s.dir, "f_", "", boost_tempfm::entry_type::file, 255, 1);
    BOOST_FAIL("expected filesystem_error");
  } catch (const fs::filesystem_error& e) {
    BOOST_TEST(e.code().value() == EEXIST);
    BOOST_TEST(std::string(e.what()).find("no free name after 100 attempts") != std::string::npos);
    BOOST_TEST(e.path1().parent_path() == s.dir);
  }
  for (int i = 0; i < 16; ++i) BOOST_TEST(read_file(s.dir / (std::string("f_") + hex[i])) == "theirs");
}

BOOST_AUTO_TEST_CASE(an_existing_symlink_name_is_not_followed) {
  // O_NOFOLLOW|O_EXCL: a symlink squatting on a name (even a dangling one) is a collision, and
  // its target is never created.
  scratch s;
  for (int i = 0; i < 16; i += 2)
    fs::create_symlink(s.dir / (std::string("target") + hex[i]), s.dir / (std::string("l_") + hex[i]));
  for (int n = 0; n < 8; ++n) d::create_unique(s.dir, "l_", "", boost_tempfm::entry_type::file, 255, 1);
  for (int i = 0; i < 16; i += 2) BOOST_TEST(!exists_nofollow(s.dir / (std::string("target") + hex[i])));
}
