// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_REGISTRY_HPP
#define BOOST_TEMPFM_REGISTRY_HPP

// The registry of a temp root, shared by every process of this user that uses the root: what each
// process created or registered there, and who owns it. Read it to see other processes' entries;
// sweep it to remove the entries of processes that died (crash, SIGKILL, power loss).

#include <boost_tempfm/config.hpp>

#include <boost/filesystem/path.hpp>
#include <boost/system/error_code.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace boost_tempfm {

// A process that uses a root. Whether it is alive is not told by its pid (a pid means nothing in
// another PID namespace, and is reused): it is the kernel lock the process holds on its lease in the
// root's registry while it runs (see doc/design.md, "Ownership"). These fields say who it is.
struct owner_id {
  std::uint32_t pid = 0;                    // as the process sees itself, in its own PID namespace
  std::uint64_t pid_namespace = 0;          // inode of its /proc/self/ns/pid; 0 if unknown (not Linux)
  std::uint64_t instance = 0;               // random, drawn at start and again after fork()
  std::array<std::uint8_t, 16> boot_id{};  // /proc/sys/kernel/random/boot_id (BSD, macOS: kern.boottime)

  friend bool operator==(const owner_id& a, const owner_id& b) {
    return a.pid == b.pid && a.pid_namespace == b.pid_namespace && a.instance == b.instance &&
           a.boot_id == b.boot_id;
  }
  friend bool operator!=(const owner_id& a, const owner_id& b) { return !(a == b); }
  // "pid 1234" when the owner shares this process's PID namespace, else "pid 1 (pid namespace N)"
  template <class Ostream>
  friend Ostream& operator<<(Ostream& os, const owner_id& o) {
    os << "pid " << o.pid;
    if (o.pid_namespace != 0 && o.pid_namespace != current_pid_namespace())
      os << " (pid namespace " << o.pid_namespace << ")";
    return os;
  }

 private:
  BOOST_TEMPFM_DECL static std::uint64_t current_pid_namespace() noexcept;
};

// This process.
BOOST_TEMPFM_DECL owner_id current_process();

// What kind of object a path names: the one name for it in the API, the registry and the logs.
// The registry records what was created or registered as file or directory (a registered symlink
// is recorded as a file: it is removed as a link, like a file); symlink is what a removal can find.
enum class entry_type : std::uint8_t { file = 0, directory = 1, symlink = 2 };

struct registry_entry {
  boost::filesystem::path path;                   // absolute
  entry_type type = entry_type::file;             // as created or registered
  std::chrono::system_clock::time_point created;  // when it was registered
  owner_id owner;
  bool owner_alive = false;  // the owner's lease is held: the kernel says it runs
  std::uintmax_t bytes = 0;  // bytes held now (regular files, recursively); 0 if gone
  bool exists = false;       // whether the path exists now
  // In sweep_report::failed: why the entry could not be removed, and where (a mount point inside
  // it, a file that could not be unlinked); in sweep_report::forgotten: why it was not removed.
  boost::system::error_code error;
  std::string reason;
};

struct sweep_options {
  bool dry_run = false;  // report, remove nothing
  bool all = false;      // every entry, live owners' too (not only dead owners')
  // Also count the bytes freed (one lstat per file, which slows a big sweep down by about half).
  bool measure = false;
  // Only entries older than this (0: any age).
  std::chrono::system_clock::duration older_than = std::chrono::system_clock::duration::zero();
  // Remove at most this many entries (0: no limit); the rest wait for the next sweep.
  std::size_t limit = 0;
};

struct sweep_report {
  std::vector<registry_entry> removed;  // removed (or, with dry_run, that would be)
  std::vector<registry_entry> failed;   // could not be removed; still in the registry
  // Dropped from the registry without touching the disk: the object at the path is not the one
  // that was registered (it was replaced after its owner died), or the entry is not a path this
  // root may remove (see doc/security.md). Each is logged.
  std::vector<registry_entry> forgotten;
  std::uintmax_t bytes = 0;             // bytes freed (or that would be); with measure or dry_run
};

// Every entry of the registry of `root` (the canonical path of a temp root), with owner liveness
// and sizes. An empty vector when no registry exists. Throws filesystem_error naming the root.
BOOST_TEMPFM_DECL std::vector<registry_entry> list_entries(const boost::filesystem::path& root);
BOOST_TEMPFM_DECL std::vector<registry_entry> list_entries(const boost::filesystem::path& root,
                                                           boost::system::error_code& ec) noexcept;

// Removes the entries selected by opt (by default: those of dead owners) and their files and dirs,
// logging each removal (reason "sweep"). Never touches a live owner's entry unless opt.all. A
// registered path is removed only if the object there is still the one registered; no removal
// descends into another mount. Throws filesystem_error naming the root when its registry cannot be
// opened.
BOOST_TEMPFM_DECL sweep_report sweep(const boost::filesystem::path& root, const sweep_options& opt = {});
BOOST_TEMPFM_DECL sweep_report sweep(const boost::filesystem::path& root, const sweep_options& opt,
                                     boost::system::error_code& ec) noexcept;
BOOST_TEMPFM_DECL sweep_report sweep(const boost::filesystem::path& root, boost::system::error_code& ec) noexcept;

// The root a manager made without a base_dir uses (not created here): $BOOST_TEMPFM_ROOT, else
// <system temp dir>/tempfm-<euid>, where the system temp dir is the first of $TMPDIR, $TMP, $TEMP,
// $TEMPDIR that is set and not empty, else /tmp. An empty variable counts as unset. Fails (naming
// the directory) when the system temp dir is not a directory.
BOOST_TEMPFM_DECL boost::filesystem::path default_root();
BOOST_TEMPFM_DECL boost::filesystem::path default_root(boost::system::error_code& ec) noexcept;

// Where the registry of `root` keeps its files: <root>/.tempfm-<uid>.
BOOST_TEMPFM_DECL boost::filesystem::path registry_dir(const boost::filesystem::path& root);

}  // namespace boost_tempfm

#endif  // BOOST_TEMPFM_REGISTRY_HPP
