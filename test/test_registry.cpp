// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// The registry seen from one process: every create, release, register and removal is recorded;
// entries carry owner and type; the registry's own files are private and do not grow without bound.
#define BOOST_TEST_MODULE test_registry
#include "support.hpp"

#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/temp_file_manager.hpp>

#include <map>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

namespace {
std::map<std::string, tfm::registry_entry> by_path(const fs::path& root) {
  std::map<std::string, tfm::registry_entry> m;
  for (tfm::registry_entry& e : tfm::list_entries(root)) m[e.path.string()] = e;
  return m;
}
}  // namespace

BOOST_AUTO_TEST_CASE(every_change_is_recorded_with_owner_and_type) {
  scratch s;
  tfm::temp_file_manager m("reg_", s.dir / "root");
  const auto before = std::chrono::system_clock::now();
  tfm::temp_file f = m.create_temp_file(".bin");
  write_file(f.path(), "12345");
  tfm::temp_dir d = m.create_temp_dir();
  write_file(d.path() / "a", "abc");
  write_file(s.dir / "outside", "o");
  m.register_file(s.dir / "outside");
  auto entries = by_path(m.base_dir());
  BOOST_REQUIRE(entries.size() == 3u);
  const tfm::registry_entry& fe = entries.at(f.path().string());
  BOOST_TEST((fe.type == tfm::entry_type::file));
  BOOST_TEST(fe.owner == tfm::current_process());
  BOOST_TEST(fe.owner.pid == static_cast<std::uint32_t>(::getpid()));
  BOOST_TEST(fe.owner_alive);
  BOOST_TEST(fe.bytes == 5u);
  BOOST_TEST(fe.exists);
  BOOST_TEST((fe.created >= before - std::chrono::seconds(1) && fe.created <= std::chrono::system_clock::now()));
  BOOST_TEST((entries.at(d.path().string()).type == tfm::entry_type::directory));
  BOOST_TEST(entries.at(d.path().string()).bytes == 3u);
  BOOST_TEST(entries.count((s.dir / "outside").string()) == 1u);

  const fs::path released = f.release();
  d.remove();
  entries = by_path(m.base_dir());
  BOOST_TEST(entries.size() == 1u);
  BOOST_TEST(entries.count(released.string()) == 0u);
  m.cleanup_all();
  BOOST_TEST(tfm::list_entries(m.base_dir()).empty());
  fs::remove(released);
}

BOOST_AUTO_TEST_CASE(long_paths_round_trip) {
  scratch s;
  tfm::temp_file_manager m("p_", s.dir / "root");
  // 60, 150 and 1000-byte outside paths use one, two and nine slots.
  std::vector<fs::path> paths;
  for (std::size_t len : {10u, 100u, 200u}) {
    fs::path dir = s.dir;
    std::string part(len, 'x');
    fs::path p = dir / part;
    write_file(p, "x");
    paths.push_back(p);
  }
  fs::path deep = s.dir;
  for (int i = 0; i < 8; ++i) deep /= std::string(120, char('a' + i));
  fs::create_directories(deep);
  paths.push_back(deep);
  for (const fs::path& p : paths) m.register_file(p);
  tfm::temp_file big_suffix = m.create_temp_file(std::string(150, 's'));
  auto entries = by_path(m.base_dir());
  BOOST_TEST(entries.size() == paths.size() + 1);
  for (const fs::path& p : paths) BOOST_TEST(entries.count(p.string()) == 1u, p);
  BOOST_TEST(entries.count(big_suffix.path().string()) == 1u);
  m.cleanup_all();
  BOOST_TEST(tfm::list_entries(m.base_dir()).empty());
}

BOOST_AUTO_TEST_CASE(registry_does_not_grow_without_bound) {
  scratch s;
  tfm::temp_file_manager m("g_", s.dir / "root");
  const fs::path file = tfm::registry_dir(m.base_dir()) / "registry";
  std::uintmax_t high = 0;
  {
    std::vector<tfm::temp_file> many;
    for (int i = 0; i < 300; ++i) many.push_back(m.create_temp_file());
    BOOST_TEST(tfm::list_entries(m.base_dir()).size() == 300u);
    high = fs::file_size(file);
  }
  BOOST_TEST(high >= 300u * 128u);
  BOOST_TEST(high <= 1024u * 128u);
  BOOST_TEST(fs::file_size(file) == 64u * 128u);  // empty again: back to the initial size
  tfm::temp_file keep = m.create_temp_file();     // one entry stays: no shrinking now
  for (int round = 0; round < 10; ++round) {
    std::vector<tfm::temp_file> many;
    for (int i = 0; i < 299; ++i) many.push_back(m.create_temp_file());
    BOOST_TEST(fs::file_size(file) <= high);  // slots are reused: never past the high mark
  }
  BOOST_TEST(tfm::list_entries(m.base_dir()).size() == 1u);
}

BOOST_AUTO_TEST_CASE(registry_files_are_private) {
  scratch s;
  tfm::temp_file_manager m("priv_", s.dir / "root");
  const fs::path dir = tfm::registry_dir(m.base_dir());
  BOOST_TEST(dir.filename().string() == ".tempfm-" + std::to_string(::geteuid()));
  BOOST_TEST(mode_of(dir) == 0700u);
  BOOST_TEST(mode_of(dir / "registry") == 0600u);
  BOOST_TEST(mode_of(dir / "recover.lock") == 0600u);
  // The named mutex's semaphore: one per root, derived from its canonical path, mode 0600.
  int sems = 0;
  for (fs::directory_iterator it("/dev/shm"), end; it != end; ++it) {
    const std::string n = it->path().filename().string();
    if (n.rfind("sem.tempfm-" + std::to_string(::geteuid()) + "-", 0) == 0) {
      ++sems;
      BOOST_TEST(mode_of(it->path()) == 0600u, n);
    }
  }
  BOOST_TEST(sems >= 1);
  // Two spellings of one root share one registry.
  tfm::temp_file_manager other("o_", s.dir / "." / "root" / ".." / "root");
  tfm::temp_file f = other.create_temp_file();
  BOOST_TEST(tfm::list_entries(m.base_dir()).size() == 1u);
}

BOOST_AUTO_TEST_CASE(registry_open_to_others_is_refused) {
  scratch s;
  fs::create_directories(s.dir / "root");
  const fs::path dir = s.dir / "root" / (".tempfm-" + std::to_string(::geteuid()));
  fs::create_directory(dir);
  ::chmod(dir.c_str(), 0755);
  try {
    tfm::temp_file_manager m("x_", s.dir / "root");
    BOOST_FAIL("a registry directory open to others must be refused");
  } catch (const fs::filesystem_error& e) {
    BOOST_TEST(e.path1() == fs::canonical(dir));
    BOOST_TEST(std::string(e.what()).find("open to other users") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(owner_identity_survives_pid_reuse_and_reboot) {
  tfm::owner_id me = tfm::current_process();
  BOOST_TEST(me.pid == static_cast<std::uint32_t>(::getpid()));
  BOOST_TEST(me.start_time > 0u);
  BOOST_TEST(tfm::is_alive(me));
  tfm::owner_id reused = me;
  reused.start_time += 1;  // same pid, another process
  BOOST_TEST(!tfm::is_alive(reused));
  tfm::owner_id old_boot = me;
  old_boot.boot_id[0] ^= 0xff;  // same pid and start time, another boot
  BOOST_TEST(!tfm::is_alive(old_boot));
  tfm::owner_id gone;
  gone.pid = 0;
  BOOST_TEST(!tfm::is_alive(gone));
}

BOOST_AUTO_TEST_CASE(identity_is_renewed_in_a_forked_child_without_any_manager) {
  // The first use of the identity is not a manager (no fork handlers of the managers yet).
  exec_result r = run_child_program({"identity"});
  BOOST_TEST(r.exited_with(0), r.err);
}

BOOST_AUTO_TEST_CASE(a_registry_left_blank_by_a_dead_creator_is_initialised) {
  scratch s;
  const fs::path dir = s.dir / "root" / (".tempfm-" + std::to_string(::geteuid()));
  fs::create_directories(dir);
  ::chmod(dir.c_str(), 0700);
  write_file(dir / "registry", std::string(8192, '\0'));  // sized, never written
  ::chmod((dir / "registry").c_str(), 0600);
  tfm::temp_file_manager m("b_", s.dir / "root");
  tfm::temp_file f = m.create_temp_file();
  BOOST_TEST(tfm::list_entries(m.base_dir()).size() == 1u);
}

BOOST_AUTO_TEST_CASE(any_spelling_of_the_root_reaches_the_same_registry) {
  scratch s;
  tfm::temp_file_manager m("sp_", s.dir / "root");
  tfm::temp_file f = m.create_temp_file();
  BOOST_TEST(tfm::list_entries(m.base_dir() / ".").size() == 1u);
  BOOST_TEST(tfm::list_entries(s.dir / "root" / ".." / "root").size() == 1u);
}
