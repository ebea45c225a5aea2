// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_REGISTRY_HPP
#define BOOST_TEMPFM_REGISTRY_HPP

// The registry of a temp root, shared by every process of this user that uses the root: what each
// process created or registered there, and who owns it. Read it to see other processes' entries;
// sweep it to remove the entries of processes that died (crash, SIGKILL, power loss).

#include <boost_tempfm/config.hpp>

#include <boost/filesystem/path.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace boost_tempfm {

// A process, told apart from any later process that reuses its pid (start time) and from any
// process of an earlier boot (boot id).
struct owner_id {
  std::uint32_t pid = 0;
  std::uint64_t start_time = 0;              // clock ticks after boot (/proc/PID/stat field 22)
  std::array<std::uint8_t, 16> boot_id{};  // /proc/sys/kernel/random/boot_id

  friend bool operator==(const owner_id& a, const owner_id& b) {
    return a.pid == b.pid && a.start_time == b.start_time && a.boot_id == b.boot_id;
  }
  friend bool operator!=(const owner_id& a, const owner_id& b) { return !(a == b); }
  // "pid 1234 (start 567890)"
  template <class Ostream>
  friend Ostream& operator<<(Ostream& os, const owner_id& o) {
    os << "pid " << o.pid << " (start " << o.start_time << ")";
    return os;
  }
};

// This process.
BOOST_TEMPFM_DECL owner_id current_process();

// True if the process `o` is running now (same boot, pid present with the same start time).
BOOST_TEMPFM_DECL bool is_alive(const owner_id& o);

enum class entry_type : std::uint8_t { file = 0, directory = 1 };

struct registry_entry {
  boost::filesystem::path path;                   // absolute
  entry_type type = entry_type::file;             // as created or registered
  std::chrono::system_clock::time_point created;  // when it was registered
  owner_id owner;
  bool owner_alive = false;
  std::uintmax_t bytes = 0;  // bytes held now (regular files, recursively); 0 if gone
  bool exists = false;       // whether the path exists now
};

struct sweep_options {
  bool dry_run = false;  // report, remove nothing
  bool all = false;      // every entry, live owners' too (not only dead owners')
  // Also count the bytes freed (one lstat per file, which slows a big sweep down by about half).
  bool measure = false;
  // Only entries older than this (0: any age).
  std::chrono::system_clock::duration older_than = std::chrono::system_clock::duration::zero();
};

struct sweep_report {
  std::vector<registry_entry> removed;  // removed (or, with dry_run, that would be)
  std::vector<registry_entry> failed;   // could not be removed; still in the registry
  std::uintmax_t bytes = 0;             // bytes freed (or that would be); with measure or dry_run
};

// Every entry of the registry of `root` (the canonical path of a temp root), with owner liveness
// and sizes. An empty vector when no registry exists. Throws filesystem_error naming the root.
BOOST_TEMPFM_DECL std::vector<registry_entry> list_entries(const boost::filesystem::path& root);

// Removes the entries selected by opt (by default: those of dead owners) and their files and dirs,
// logging each removal (reason "sweep"). Never touches a live owner's entry unless opt.all.
BOOST_TEMPFM_DECL sweep_report sweep(const boost::filesystem::path& root, const sweep_options& opt = {});

// Where the registry of `root` keeps its files: <root>/.tempfm-<uid>.
BOOST_TEMPFM_DECL boost::filesystem::path registry_dir(const boost::filesystem::path& root);

}  // namespace boost_tempfm

#endif  // BOOST_TEMPFM_REGISTRY_HPP
