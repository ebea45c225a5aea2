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
  auto entries = by_path(m.root());
  BOOST_REQUIRE(entries.size() == 3u);
  const tfm::registry_entry& fe = entries.at(f.path().string());
  BOOST_TEST((fe.type == tfm::entry_type::file));
  BOOST_TEST(fe.owner == tfm::current_process());
  BOOST_TEST(fe.owner.pid == static_cast<std::uint32_t>(current_pid()));
  BOOST_TEST(fe.owner_alive);
  BOOST_TEST(fe.bytes == 5u);
  BOOST_TEST(fe.exists);
  BOOST_TEST((fe.created >= before - std::chrono::seconds(1) && fe.created <= std::chrono::system_clock::now()));
  BOOST_TEST((entries.at(d.path().string()).type == tfm::entry_type::directory));
  BOOST_TEST(entries.at(d.path().string()).bytes == 3u);
  BOOST_TEST(entries.count((s.dir / "outside").string()) == 1u);

  const fs::path released = f.release();
  d.remove();
  entries = by_path(m.root());
  BOOST_TEST(entries.size() == 1u);
  BOOST_TEST(entries.count(released.string()) == 0u);
  m.cleanup_all();
  BOOST_TEST(tfm::list_entries(m.root()).empty());
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
  auto entries = by_path(m.root());
  BOOST_TEST(entries.size() == paths.size() + 1);
  for (const fs::path& p : paths) BOOST_TEST(entries.count(p.string()) == 1u, p);
  BOOST_TEST(entries.count(big_suffix.path().string()) == 1u);
  m.cleanup_all();
  BOOST_TEST(tfm::list_entries(m.root()).empty());
}

#ifndef _WIN32
std::uintmax_t allocated(const fs::path& p) {
  struct stat st;
  BOOST_REQUIRE(::stat(p.c_str(), &st) == 0);
  return static_cast<std::uintmax_t>(st.st_blocks) * 512u;
}

#endif

BOOST_AUTO_TEST_CASE(registry_reuses_its_space,
                     *boost::unit_test::precondition(skip_on_windows{"uses fork(2) and st_blocks"})) {
#ifndef _WIN32  // skipped on Windows (above): POSIX calls
  scratch s;
  tfm::temp_file_manager m("g_", s.dir / "root");
  const fs::path file = tfm::registry_dir(m.root()) / "registry.v2";
  std::uintmax_t size_high = 0;
  {
    std::vector<tfm::temp_file> many;
    for (int i = 0; i < 300; ++i) many.push_back(m.create_temp_file());
    BOOST_TEST(tfm::list_entries(m.root()).size() == 300u);
    size_high = fs::file_size(file);
    BOOST_TEST(size_high >= 300u * 128u);                    // one 128-byte slot per entry
    BOOST_TEST(size_high <= 16u * 8192u, size_high);        // in 8 KiB blocks, doubling
    BOOST_TEST(allocated(file) >= size_high);               // allocated, never sparse
  }
  // The file never shrinks (other processes may have it mapped) and never grows past its high
  // mark while entries come and go: blocks are given back and claimed again.
  tfm::temp_file keep = m.create_temp_file();
  for (int round = 0; round < 10; ++round) {
    std::vector<tfm::temp_file> many;
    for (int i = 0; i < 299; ++i) many.push_back(m.create_temp_file());
    BOOST_TEST(fs::file_size(file) <= size_high);
  }
  BOOST_TEST(tfm::list_entries(m.root()).size() == 1u);
  // Another process reuses the blocks this one gave back.
  child_result r = run_forked([&] {
    tfm::temp_file_manager other("h_", s.dir / "root");
    std::vector<tfm::temp_file> theirs;
    for (int i = 0; i < 250; ++i) theirs.push_back(other.create_temp_file());
    return fs::file_size(file) <= size_high ? 0 : 1;
  });
  BOOST_TEST(r.exited_with(0), r.out);
#endif
}

BOOST_AUTO_TEST_CASE(registry_files_are_private_and_nothing_is_named_outside_the_root,
                     *boost::unit_test::precondition(skip_on_windows{"checks POSIX permission bits, the uid in the registry's name and POSIX semaphores in /dev/shm"})) {
#ifndef _WIN32  // skipped on Windows (above): POSIX calls
  scratch s;
  {
    tfm::temp_file_manager m("priv_", s.dir / "root");
    const fs::path dir = tfm::registry_dir(m.root());
    BOOST_TEST(dir.filename().string() == ".tempfm-" + std::to_string(::geteuid()));
    BOOST_TEST(mode_of(dir) == 0700u);
    BOOST_TEST(mode_of(dir / "registry.v2") == 0600u);
    BOOST_TEST(mode_of(dir / "locks") == 0600u);
    std::set<std::string> names;
    for (fs::directory_iterator it(dir), end; it != end; ++it) names.insert(it->path().filename().string());
    BOOST_TEST((names == std::set<std::string>{"locks", "registry.v2"}));
    // Two spellings of one root share one registry (and so one lock).
    tfm::temp_file_manager other("o_", s.dir / "." / "root" / ".." / "root/");
    BOOST_TEST(other.root() == m.root());  // one spelling: no trailing separator
    BOOST_TEST(other.root().native().back() != '/');
    tfm::temp_file f = other.create_temp_file();
    BOOST_TEST(tfm::list_entries(m.root()).size() == 1u);
  }
  // Everything the root used lives in it: removing the root removes all of it. (No semaphore of
  // its own, as 0.1 had: other suites running at the same time may make and remove theirs.)
  BOOST_TEST(!fs::exists(legacy_semaphore(fs::canonical(s.dir / "root"))));
  fs::remove_all(s.dir / "root");
#endif
}

BOOST_AUTO_TEST_CASE(registry_open_to_others_is_refused,
                     *boost::unit_test::precondition(skip_on_windows{"POSIX permission bits of the registry, named after the uid"})) {
#ifndef _WIN32  // skipped on Windows (above): POSIX calls
  scratch s;
  fs::create_directories(s.dir / "root");
  const fs::path dir = s.dir / "root" / (".tempfm-" + std::to_string(::geteuid()));
  fs::create_directory(dir);
  set_mode(dir, 0755);
  try {
    tfm::temp_file_manager m("x_", s.dir / "root");
    BOOST_FAIL("a registry directory open to others must be refused");
  } catch (const fs::filesystem_error& e) {
    BOOST_TEST(e.path1() == fs::canonical(dir));
    BOOST_TEST(std::string(e.what()).find("open to other users") != std::string::npos, e.what());
  }
#endif
}

BOOST_AUTO_TEST_CASE(current_process_names_this_process) {
  const tfm::owner_id me = tfm::current_process();
  BOOST_TEST(me.pid == static_cast<std::uint32_t>(current_pid()));
  struct stat ns {};
  if (!on_windows) BOOST_REQUIRE(::stat("/proc/self/ns/pid", &ns) == 0);
  BOOST_TEST(me.instance != 0u);
  BOOST_TEST(me == tfm::current_process());
  const std::string boot = read_file("/proc/sys/kernel/random/boot_id");
  char first[3];
  std::snprintf(first, sizeof first, "%02x", me.boot_id[0]);
  if (on_windows) {
    // The boot id and the PID namespace are Linux's (/proc); Windows has neither: display only.
  } else if (portable_backend) {
    // No /proc there: no PID namespace, and on Linux no boot id it could read (doc/design.md,
    // "Platforms and limits"); both are for display only.
    BOOST_TEST(me.pid_namespace == 0u);
    BOOST_TEST((me.boot_id == std::array<std::uint8_t, 16>{}));
  } else {
    BOOST_TEST(me.pid_namespace == static_cast<std::uint64_t>(ns.st_ino));
    BOOST_TEST(boot.substr(0, 2) == std::string(first));
  }
  std::ostringstream text;
  text << me;
  BOOST_TEST(text.str() == "pid " + std::to_string(current_pid()));  // our own namespace: no suffix
}

BOOST_AUTO_TEST_CASE(identity_is_renewed_in_a_forked_child_without_any_manager,
                     *boost::unit_test::precondition(skip_on_windows{"fork(2) does not exist on Windows (tempfm_test_child identity)"})) {
  // The first use of the identity is not a manager (no fork handlers of the managers yet).
  exec_result r = run_child_program({"identity"});
  BOOST_TEST(r.exited_with(0), r.err);
}

BOOST_AUTO_TEST_CASE(a_registry_left_blank_by_a_dead_creator_is_initialised,
                     *boost::unit_test::precondition(skip_on_windows{"writes the POSIX registry's files by hand (.tempfm-UID, permission bits)"})) {
#ifndef _WIN32  // skipped on Windows (above): POSIX calls
  scratch s;
  const fs::path dir = s.dir / "root" / (".tempfm-" + std::to_string(::geteuid()));
  fs::create_directories(dir);
  set_mode(dir, 0700);
  write_file(dir / "registry.v2", std::string(8192, '\0'));  // sized, never written
  set_mode(dir / "registry.v2", 0600);
  tfm::temp_file_manager m("b_", s.dir / "root");
  tfm::temp_file f = m.create_temp_file();
  BOOST_TEST(tfm::list_entries(m.root()).size() == 1u);
#endif
}

BOOST_AUTO_TEST_CASE(any_spelling_of_the_root_reaches_the_same_registry) {
  scratch s;
  tfm::temp_file_manager m("sp_", s.dir / "root");
  tfm::temp_file f = m.create_temp_file();
  BOOST_TEST(tfm::list_entries(m.root() / ".").size() == 1u);
  BOOST_TEST(tfm::list_entries(s.dir / "root" / ".." / "root").size() == 1u);
}
