// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// A corrupt, truncated or foreign registry file is detected and rebuilt from what is intact in it;
// never a crash. (The reader is also fuzzed: test/fuzz_registry.cpp, run by ./build.sh test.)
#define BOOST_TEST_MODULE test_registry_corruption
#include "support_native.hpp"

#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/temp_file_manager.hpp>

#include <cctype>
#include <random>
#include <sstream>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

namespace {

fs::path registry_file(const fs::path& root) { return tfm::registry_dir(fs::canonical(root)) / "registry.v2"; }

// A root whose registry holds 3 entries of a SIGKILLed process; returns their paths.
std::vector<std::string> orphans(const fs::path& base, const fs::path& root) {
  fs::create_directories(root);
  const pid_t pid = spawn(child_program(), {"hold", root.string(), (base / "outside").string(), (base / "ready").string()});
  BOOST_REQUIRE(wait_for_file(base / "ready", 20));
  kill_hard(pid);
  wait_for(pid);
  return read_lines(base / "ready");
}

void patch(const fs::path& file, std::size_t offset, const std::string& bytes) {
  std::fstream f(TEMPFM_TEST_STREAM_NAME(file), std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(std::streamoff(offset));
  f.write(bytes.data(), std::streamsize(bytes.size()));
}

// A manager on root works: it creates, lists and removes.
void usable(const fs::path& root) {
  tfm::temp_file_manager m("after_", root);
  tfm::temp_file f = m.create_temp_file();
  bool seen = false;
  for (const tfm::registry_entry& e : tfm::list_entries(m.root())) seen = seen || e.path == f.path();
  BOOST_TEST(seen);
}

}  // namespace

BOOST_AUTO_TEST_CASE(random_bytes_get_a_new_header_in_place) {
  scratch s;
  const fs::path root = s.dir / "root";
  { tfm::temp_file_manager m("x_", root); }
  std::mt19937 rng(7);
  std::string junk(64 * 1024, '\0');
  for (char& c : junk) c = static_cast<char>(rng());
  write_file(registry_file(root), junk);
  usable(root);
  BOOST_TEST(read_file(registry_file(root)).substr(0, 8) == "TEMPFMRG");
  BOOST_TEST(fs::file_size(registry_file(root)) >= 64u * 1024u);  // never shrunk
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

BOOST_AUTO_TEST_CASE(a_broken_header_is_rewritten_keeping_every_entry) {
  scratch s;
  const fs::path root = s.dir / "root";
  const std::vector<std::string> paths = orphans(s.dir, root);
  BOOST_REQUIRE(paths.size() == 3u);
  patch(registry_file(root), 16, std::string("\x07\x00\x00\x00", 4));  // block_slots 7: a foreign geometry
  patch(registry_file(root), 24, std::string("\xff\xff\xff\x7f", 4));  // capacity far beyond the file
  // The entries live in the blocks, which stay: the dead process's are still known and swept.
  BOOST_TEST(tfm::list_entries(fs::canonical(root)).size() == 3u);
  tfm::sweep_report rep = tfm::sweep(fs::canonical(root));
  BOOST_TEST(rep.removed.size() == 3u);
  for (const std::string& p : paths) BOOST_TEST(!exists_nofollow(p), p);
}

BOOST_AUTO_TEST_CASE(a_future_version_is_refused_and_left_alone) {
  // A newer boost_tempfm may lay the file out otherwise: never rewrite it, say why.
  scratch s;
  const fs::path root = s.dir / "root";
  const std::vector<std::string> paths = orphans(s.dir, root);
  patch(registry_file(root), 8, std::string("\x03\x00\x00\x00", 4));  // version 3
  const std::string before = read_file(registry_file(root));
  try {
    (void)tfm::list_entries(fs::canonical(root));
    BOOST_FAIL("a registry of a newer format must be refused");
  } catch (const fs::filesystem_error& e) {
    BOOST_TEST(std::string(e.what()).find("written by a newer boost_tempfm (format version 3") != std::string::npos,
               e.what());
    BOOST_TEST(e.path1() == registry_file(root));
  }
  BOOST_TEST((read_file(registry_file(root)) == before));
  for (const std::string& p : paths) BOOST_TEST(exists_nofollow(p), p);
}

BOOST_AUTO_TEST_CASE(a_truncated_file_grows_back_keeping_what_is_left) {
  scratch s;
  const fs::path root = s.dir / "root";
  const std::vector<std::string> paths = orphans(s.dir, root);
  const fs::path file = registry_file(root);
  fs::resize_file(file, 12 * 1024);  // the header and half of the first block
  BOOST_TEST(tfm::list_entries(fs::canonical(root)).size() == 3u);  // they sat in its first slots
  BOOST_TEST(fs::file_size(file) >= 4u * 8192u);  // back to at least the initial size
  usable(root);
}

BOOST_AUTO_TEST_CASE(a_dead_owners_block_with_a_broken_header_is_still_swept) {
  scratch s;
  const fs::path root = s.dir / "root";
  const std::vector<std::string> paths = orphans(s.dir, root);
  patch(registry_file(root), 8192 + 4, "\x12\x34");  // block 1's owner checksum
  tfm::sweep_report rep = tfm::sweep(fs::canonical(root));
  BOOST_TEST(rep.removed.size() == 3u);
  for (const std::string& p : paths) BOOST_TEST(!exists_nofollow(p), p);
  BOOST_TEST(tfm::list_entries(fs::canonical(root)).empty());
}

BOOST_AUTO_TEST_CASE(a_corrupt_entry_is_dropped_and_the_others_kept) {
  scratch s;
  const fs::path root = s.dir / "root";
  const std::vector<std::string> paths = orphans(s.dir, root);
  patch(registry_file(root), 8192 + 128 + 60, "#");  // a byte of the first entry's path
  BOOST_TEST(tfm::list_entries(fs::canonical(root)).size() == 2u);
  tfm::sweep_report rep = tfm::sweep(fs::canonical(root));
  BOOST_TEST(rep.removed.size() == 2u);
  BOOST_TEST(rep.forgotten.size() == 1u);
  BOOST_TEST(exists_nofollow(paths[0]));  // its entry could not be read: its file is never guessed at
  BOOST_TEST(!exists_nofollow(paths[1]));
  BOOST_TEST(!exists_nofollow(paths[2]));
  BOOST_TEST(tfm::list_entries(fs::canonical(root)).empty());
  BOOST_TEST(tfm::sweep(fs::canonical(root)).forgotten.empty());  // dropped once, for good
}

BOOST_AUTO_TEST_CASE(headers_broken_while_8_processes_have_the_registry_mapped) {
  // The header is rewritten in place, never truncated under the others' mappings: nobody dies
  // (a truncation would be SIGBUS, status 135), and every entry is accounted for.
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  // Each worker creates and removes n files and dirs. Under wine a file call costs far more than on
  // Linux (3000 took 145 to 210 s there, 600 took 85 s on a busy machine): 400 still keep the
  // workers running long after the 40 rounds, which take a few seconds.
  const std::string n = on_windows ? "400" : "3000";
  std::vector<pid_t> pids;
  for (int i = 0; i < 8; ++i)
    pids.push_back(spawn(child_program(), {"churn", root.string(), n, (s.dir / ("out" + std::to_string(i))).string()}));
  std::mt19937 rng(11);
  for (int round = 0; round < 40; ++round) {
    std::string junk(64, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    patch(registry_file(root), round % 2 ? 0 : 16, junk);  // the magic, or the geometry and capacity
    (void)tfm::list_entries(fs::canonical(root));           // some process repairs it
    { tfm::temp_file_manager m("r_", root, tfm::startup_sweep::none); (void)m.create_temp_file(); }
  }
  int clean = 0;
  for (std::size_t i = 0; i < pids.size(); ++i) {
    const int st = wait_for(pids[i]);
    BOOST_TEST(exited_normally(st), "worker " << i << " status " << st);
    clean += exited_with(st, 0);
    BOOST_TEST(read_lines(s.dir / ("out" + std::to_string(i))) == std::vector<std::string>{n});  // text mode
  }
  BOOST_TEST(clean == 8);
  BOOST_TEST(tfm::list_entries(fs::canonical(root)).empty());
  BOOST_TEST(listing(root).empty());
}

namespace {
// A process as boost_tempfm 0.1.0 recorded it; by default one of another boot (gone).
struct v1_owner {
  std::uint32_t pid = 999999;
  std::uint64_t start_time = 1;
  std::uint8_t boot_id[16] = {};
};

// An empty version-1 registry (boost_tempfm 0.1.0) of 64 slots.
std::string v1_registry() {
  std::string v1(64 * 128, '\0');
  std::memcpy(&v1[0], "TEMPFMR1", 8);
  const std::uint32_t version = 1, slot = 128, cap = 64;
  std::memcpy(&v1[8], &version, 4);
  std::memcpy(&v1[12], &slot, 4);
  std::memcpy(&v1[16], &cap, 4);
  return v1;
}

// A slot of a version-1 registry holding one entry, with 0.1's checksum (which covers the owner).
void v1_entry(std::string& file, std::size_t slot, const std::string& stored, bool relative, std::uint8_t type,
              const v1_owner& owner = {}) {
  char* s = &file[slot * 128];
  const std::uint32_t state = 1;
  const std::uint16_t len = static_cast<std::uint16_t>(stored.size());
  const std::int64_t created = 1;
  std::memcpy(s, &state, 4);
  std::memcpy(s + 8, &owner.pid, 4);
  s[12] = static_cast<char>(type);
  s[13] = relative ? 1 : 0;
  std::memcpy(s + 14, &len, 2);
  std::memcpy(s + 16, &owner.start_time, 8);
  std::memcpy(s + 24, owner.boot_id, 16);
  std::memcpy(s + 40, &created, 8);
  std::memcpy(s + 56, stored.data(), stored.size());
  std::uint32_t h = 2166136261u;
  auto fnv = [&](const char* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(p[i])) * 16777619u;
  };
  fnv(s + 8, 4);
  fnv(s + 12, 1);
  fnv(s + 13, 1);
  fnv(s + 14, 2);
  fnv(s + 16, 8);
  fnv(s + 24, 16);
  fnv(s + 40, 8);
  fnv(stored.data(), stored.size());
  std::memcpy(s + 48, &h, 4);
}

// This process, as 0.1 would have recorded it (pid, start time from /proc, boot id).
v1_owner this_process_as_v1() {
  v1_owner o;
  o.pid = static_cast<std::uint32_t>(current_pid());
  const std::string stat = read_file("/proc/self/stat");
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= 22; ++i) fields >> field;
  o.start_time = std::stoull(field);
  const std::string boot = read_file("/proc/sys/kernel/random/boot_id");
  for (std::size_t i = 0, k = 0; i < boot.size() && k < 32; ++i) {
    if (!std::isxdigit(static_cast<unsigned char>(boot[i]))) continue;
    o.boot_id[k / 2] =
        static_cast<std::uint8_t>(o.boot_id[k / 2] | std::stoi(boot.substr(i, 1), nullptr, 16) << (k % 2 ? 0 : 4));
    ++k;
  }
  return o;
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_version_1_registry_is_migrated,
                     *boost::unit_test::precondition(linux_backend_only{
                         "cannot tell whether the owners of a version-1 registry (0.1, Linux only) are gone (that "
                         "takes /proc): such a registry is left alone"}) *
                         boost::unit_test::precondition(skip_on_windows{
                             "0.1 ran on Linux only: its registry's owners are told by /proc, its semaphore is in "
                             "/dev/shm named after the uid; Windows leaves such a registry alone (the next case)"})) {
  // 0.1.0's registry: its entries (dead owners: the upgrade stops 0.1 processes) are carried over
  // and swept; its named semaphore in /dev/shm and its recovery lock are removed.
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  const fs::path canon = fs::canonical(root);
  const fs::path regdir = tfm::registry_dir(canon);
  fs::create_directories(regdir);
  set_mode(regdir, 0700);
  write_file(root / "tempfm_0123456789abcdef.mkv", "video");
  write_file(s.dir / "outside", "out");
  std::string v1 = v1_registry();
  v1_entry(v1, 1, "tempfm_0123456789abcdef.mkv", true, 0);
  v1_entry(v1, 2, (s.dir / "outside").string(), false, 0);
  write_file(regdir / "registry", v1);
  set_mode(regdir / "registry", 0600);
  write_file(regdir / "recover.lock", "");
  std::uint64_t hash = 14695981039346656037ull;
  for (const auto c : canon.native()) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  char sem[96];
  std::snprintf(sem, sizeof sem, "/dev/shm/sem.tempfm-%u-%016llx", current_uid(),
                static_cast<unsigned long long>(hash));
  write_file(sem, std::string(32, '\0'));
  set_mode(sem, 0600);

  const std::vector<tfm::registry_entry> entries = tfm::list_entries(canon);
  BOOST_TEST(entries.size() == 2u);
  for (const tfm::registry_entry& e : entries) BOOST_TEST(!e.owner_alive);
  BOOST_TEST(!exists_nofollow(regdir / "registry"));  // carried over, then removed
  BOOST_TEST(read_file(regdir / "registry.v2").substr(0, 8) == "TEMPFMRG");
  BOOST_TEST(!exists_nofollow(sem));
  BOOST_TEST(!exists_nofollow(regdir / "recover.lock"));
  tfm::sweep_report rep = tfm::sweep(canon);
  BOOST_TEST(rep.removed.size() == 2u);
  BOOST_TEST(!exists_nofollow(root / "tempfm_0123456789abcdef.mkv"));
  BOOST_TEST(!exists_nofollow(s.dir / "outside"));
  BOOST_TEST(tfm::list_entries(canon).empty());
}

BOOST_AUTO_TEST_CASE(a_version_1_registry_of_a_live_process_is_left_alone) {
  // A 0.1 process still runs on the root: its registry (and its file) stay as they are, for it.
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  const fs::path canon = fs::canonical(root);
  const fs::path regdir = tfm::registry_dir(canon);
  fs::create_directories(regdir);
  set_mode(regdir, 0700);
  write_file(root / "tempfm_0123456789abcdef.mkv", "video");
  std::string v1 = v1_registry();
  // Its owner runs. (On Windows, where 0.1 never ran, any version-1 registry is left alone: an owner
  // of another boot stands in, since this process's /proc entry is not Windows'.)
  v1_entry(v1, 1, "tempfm_0123456789abcdef.mkv", true, 0, on_windows ? v1_owner{} : this_process_as_v1());
  write_file(regdir / "registry", v1);
  set_mode(regdir / "registry", 0600);
  const std::string before = read_file(regdir / "registry");
  tfm::sweep_options full;
  BOOST_TEST(tfm::sweep(canon, full).removed.empty());
  { tfm::temp_file_manager m("v2_", root, tfm::startup_sweep::full); }
  BOOST_TEST(read_file(root / "tempfm_0123456789abcdef.mkv") == "video");
  BOOST_TEST((read_file(regdir / "registry") == before));  // never written by 0.2
}
