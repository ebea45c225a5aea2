// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// A corrupt, truncated or foreign registry file is detected and rebuilt from what is intact in it;
// never a crash. (The reader is also fuzzed: test/fuzz_registry.cpp, run by ./build.sh test.)
#define BOOST_TEST_MODULE test_registry_corruption
#include "support.hpp"

#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/temp_file_manager.hpp>

#include <signal.h>

#include <random>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

namespace {

fs::path registry_file(const fs::path& root) { return tfm::registry_dir(fs::canonical(root)) / "registry"; }

// A root whose registry holds 3 entries of a SIGKILLed process; returns their paths.
std::vector<std::string> orphans(const fs::path& base, const fs::path& root) {
  fs::create_directories(root);
  const pid_t pid = spawn(child_program(), {"hold", root.string(), (base / "outside").string(), (base / "ready").string()});
  BOOST_REQUIRE(wait_for_file(base / "ready", 20));
  ::kill(pid, SIGKILL);
  wait_for(pid);
  return read_lines(base / "ready");
}

void patch(const fs::path& file, std::size_t offset, const std::string& bytes) {
  std::fstream f(file.string(), std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(std::streamoff(offset));
  f.write(bytes.data(), std::streamsize(bytes.size()));
}

// A manager on root works: it creates, lists and removes.
void usable(const fs::path& root) {
  tfm::temp_file_manager m("after_", root);
  tfm::temp_file f = m.create_temp_file();
  bool seen = false;
  for (const tfm::registry_entry& e : tfm::list_entries(m.base_dir())) seen = seen || e.path == f.path();
  BOOST_TEST(seen);
}

}  // namespace

BOOST_AUTO_TEST_CASE(random_bytes_are_replaced) {
  scratch s;
  const fs::path root = s.dir / "root";
  { tfm::temp_file_manager m("x_", root); }
  std::mt19937 rng(7);
  std::string junk(64 * 1024, '\0');
  for (char& c : junk) c = static_cast<char>(rng());
  write_file(registry_file(root), junk);
  usable(root);
  BOOST_TEST(read_file(registry_file(root)).substr(0, 8) == "TEMPFMR1");
}

BOOST_AUTO_TEST_CASE(zero_length_and_short_files_start_again) {
  scratch s;
  const fs::path root = s.dir / "root";
  { tfm::temp_file_manager m("x_", root); }
  write_file(registry_file(root), "");
  usable(root);
  write_file(registry_file(root), "TEMPF");
  usable(root);
}

BOOST_AUTO_TEST_CASE(wrong_version_is_rebuilt_keeping_intact_entries) {
  scratch s;
  const fs::path root = s.dir / "root";
  const std::vector<std::string> paths = orphans(s.dir, root);
  BOOST_REQUIRE(paths.size() == 3u);
  patch(registry_file(root), 8, std::string("\x63\x00\x00\x00", 4));  // version 99
  // Rebuilt from what is on disk: the dead process's entries are still known, so they are swept.
  BOOST_TEST(tfm::list_entries(fs::canonical(root)).size() == 3u);
  tfm::sweep_report rep = tfm::sweep(fs::canonical(root));
  BOOST_TEST(rep.removed.size() == 3u);
  for (const std::string& p : paths) BOOST_TEST(!exists_nofollow(p), p);
}

BOOST_AUTO_TEST_CASE(truncated_file_is_rebuilt_keeping_intact_entries) {
  scratch s;
  const fs::path root = s.dir / "root";
  const std::vector<std::string> paths = orphans(s.dir, root);
  const fs::path file = registry_file(root);
  BOOST_REQUIRE(::truncate(file.c_str(), 16 * 128) == 0);  // capacity 64 slots, 16 left
  BOOST_TEST(tfm::list_entries(fs::canonical(root)).size() == 3u);  // they sat in the first slots
  usable(root);
}

BOOST_AUTO_TEST_CASE(free_list_pointing_at_live_entries_is_repaired) {
  scratch s;
  const fs::path root = s.dir / "root";
  const std::vector<std::string> paths = orphans(s.dir, root);
  // free_head (offset 20) := 1, the head of the first entry: a naive allocator would overwrite it.
  patch(registry_file(root), 20, std::string("\x01\x00\x00\x00", 4));
  {
    tfm::temp_file_manager m("after_", s.dir / "other-root");  // keep the orphans for the check
    (void)m;
  }
  std::vector<tfm::temp_file> fresh;
  {
    // Open without sweeping first: list, then add through a manager of another prefix.
    BOOST_TEST(tfm::list_entries(fs::canonical(root)).size() == 3u);
  }
  tfm::temp_file_manager m("after_", root);  // sweeps the 3 orphans, then is usable
  for (int i = 0; i < 5; ++i) fresh.push_back(m.create_temp_file());
  BOOST_TEST(tfm::list_entries(m.base_dir()).size() == 5u);
  for (const std::string& p : paths) BOOST_TEST(!exists_nofollow(p), p);
}

BOOST_AUTO_TEST_CASE(a_huge_live_count_is_only_a_hint) {
  // Found by the fuzzer: the header's live count sized an allocation.
  scratch s;
  const fs::path root = s.dir / "root";
  const std::vector<std::string> paths = orphans(s.dir, root);
  patch(registry_file(root), 24, std::string("\xff\xff\xff\xff", 4));
  BOOST_TEST(tfm::list_entries(fs::canonical(root)).size() == 3u);
}
