// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LIBS_MANAGER_STATE_HPP
#define BOOST_TEMPFM_LIBS_MANAGER_STATE_HPP

#include "create_unique.hpp"
#include "registry_impl.hpp"
#include "safe_remove.hpp"
#include "signal_list.hpp"

#include <boost_tempfm/error.hpp>
#include <boost_tempfm/log.hpp>
#include <boost_tempfm/temp_file_manager.hpp>

#include <boost/filesystem/path.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace boost_tempfm {
namespace detail {

// What one manager tracks, shared by the manager and its live handles (so a handle may outlive
// its manager). Keyed by the absolute path string: a path is tracked at most once. Each entry
// records the process that made it, so a child made by fork() never removes its parent's files,
// and where it stands in the root's cross-process registry.
// How many dead entries a manager removes when it starts (startup_sweep::bounded).
constexpr std::size_t startup_sweep_limit = 32;

class manager_state {
 public:
  // Opens the registry of root and sweeps (some or all of) the entries of dead owners.
  manager_state(std::string prefix, boost::filesystem::path root, std::size_t name_max, startup_sweep s);
  ~manager_state();
  manager_state(const manager_state&) = delete;
  manager_state& operator=(const manager_state&) = delete;

  const boost::filesystem::path& root() const noexcept { return root_; }
  const std::string& prefix() const noexcept { return prefix_; }
  platform::handle root_fd() const noexcept { return root_fd_; }  // platform::open_dir_ref
  std::size_t name_max() const noexcept { return name_max_; }

  // Creates a unique file or directory in the root, registered before it exists and tracked.
  // Returns the path, its entry id and (spec.keep_open) its descriptor.
  struct made {
    boost::filesystem::path path;
    std::uint64_t id;
    platform::handle fd;
  };
  made create(const std::string& prefix, const std::string& suffix, const create_spec& spec);

  // The same in another directory `dir` (absolute, normalised; dir_fd a descriptor of it; name_max
  // its filesystem's limit). Tracked in this root's registry by absolute path, recorded before the
  // object exists, without its identity: it is made O_EXCL|O_NOFOLLOW at a random name (64 bits by
  // default), so it is removed by name like what is made in the root (design.md, "Guarantees and
  // limits"). A sweep unlinks a symlink or file at that name without following it, and refuses a
  // directory at a file's name.
  made create_in(const boost::filesystem::path& dir, platform::handle dir_fd, std::size_t name_max, const std::string& prefix,
                 const std::string& suffix, const create_spec& spec, bool reusable = false);

  // Atomic saves reuse their staging name (design.md, "Reused staging names"). take_staging: the
  // name the last committed save to dest (absolute, normalised) of this process had, now free (it
  // was renamed away), taken out under the lock (no other thread gets it), with its registry entry,
  // parked (registry::park), or false. Only names made with the default affixes and digits are
  // remembered (create_in's `reusable`).
  struct staging {
    boost::filesystem::path name;
    parked_ref parked;
    registry* from = nullptr;  // parked's registry: given back there unless create_at took it
    staging() = default;
    staging(const staging&) = delete;
    staging& operator=(const staging&) = delete;
    ~staging() {
      if (parked.slot) from->unpark(parked);
    }
  };
  bool take_staging(const boost::filesystem::path& dest, staging& out) noexcept;
  // create_in at the one name s.name (create_named; reusable), its parked entry revived (or, if it
  // cannot be, a new one added) before the create: false, nothing made and nothing tracked, when
  // the create failed (the name taken by anything, a symlink included, or any other error: the
  // caller falls back to a random name, which reports a lasting error). The parked entry is used
  // or given back in every case.
  bool create_at(staging& s, const create_spec& spec, made& out);

  // Takes entry id out of every other hand (cleanup_all, remove(), exit) while its path is moved
  // away (persist, commit): false if it is not tracked (any more) or not this process's.
  bool hold(std::uint64_t id) noexcept;
  // Ends hold(): gone, the entry is forgotten (no removal; out of the registry); else it is tracked
  // again as before.
  // remember_for (gone only): the destination the file was renamed to; a reusable entry's path is
  // then remembered for the next save to it (swapped out of *name, which gets an older string),
  // and its registry entry parked for it instead of removed.
  void settle(std::uint64_t id, bool gone, const boost::filesystem::path* remember_for = nullptr,
              boost::filesystem::path* name = nullptr) noexcept;

  // Whether entry id is tracked (live) now: false once released, removed, or removed by
  // remove_all (cleanup_all, the manager's destruction).
  bool tracks(std::uint64_t id) const noexcept;

  // Starts tracking an existing path for this process (register_file), recorded with the identity
  // of the object there now. No effect if tracked.
  void track_existing(const boost::filesystem::path& p, entry_type kind, const format::identity& id);

  // Forgets entry id of p (release()): no removal; gone from the registry too. False if it was
  // not tracked (any more).
  bool untrack(const boost::filesystem::path& p, std::uint64_t id) noexcept;

  // Removes entry id of p if this process owns it and it is still tracked; an entry owned by
  // another process (inherited through fork) is forgotten without removal. On failure the entry is
  // tracked again and the error returned. Logs the outcome (`unwinding`: a handle's destructor that
  // runs during exception unwinding).
  boost::system::error_code remove_one(const boost::filesystem::path& p, std::uint64_t id, cleanup_reason why,
                                       bool unwinding = false) noexcept;

  // Removes every entry this process owns; forgets inherited ones. Failed entries stay tracked.
  std::vector<removal_failure> remove_all(cleanup_reason why) noexcept;

  std::size_t size() const;

  // Publishes every entry of this process for the signal handler (install_signal_cleanup()).
  void attach_signal_nodes();

  // For the fork handlers (process_hooks.cpp).
  void lock() { mu_.lock(); }
  void unlock() { mu_.unlock(); }

 private:
  // Entries live in a slab: a handle's id is the slot index and the slot's generation, so finding
  // an entry costs no hashing and no allocation. Registered paths are also indexed by path (to
  // track each once); created ones are unique by construction. Those created outside the root are
  // listed in outside_ instead (a slot index each: no hashing, no allocation per entry), which
  // tracked() scans: few live at once (atomic saves in flight).
  enum class slot_state : unsigned char { free, live, busy };  // busy: being removed outside the lock
  struct entry {
    boost::filesystem::path path;
    std::uint32_t gen = 0;
    slot_state state = slot_state::free;
    entry_type kind = entry_type::file;
    bool registered = false;  // indexed by path in registered_ (register_file)
    bool outside = false;     // created outside the root: listed in outside_, at outside_at
    bool reusable = false;    // an atomic save's staging name with default affixes (take_staging)
    std::uint32_t outside_at = 0;
    std::uint32_t owner = 0;  // pid
    std::uint64_t order = 0;  // creation order: cleanup_all removes in it
    registry_ref ref;
    signal_node* sig = nullptr;  // published for install_signal_cleanup()'s handler
  };
  removal_result remove_path(const boost::filesystem::path& p, cleanup_reason why, bool maybe_wanted = true,
                             bool unwinding = false) noexcept;
  // The part of create() and create_in() after the object exists: published for the signal handler
  // and tracked. On failure the object is removed and unregistered.
  // sig: published already (before the create), or nullptr.
  made track_created(created c, entry_type kind, registry_ref ref, signal_node* sig, bool outside,
                     bool reusable = false);
  // mu_ held. Returns the handle id. registered: indexed in registered_; outside: listed in outside_.
  std::uint64_t insert(const boost::filesystem::path& p, entry_type kind, registry_ref ref, signal_node* sig, bool registered,
                       bool outside = false);
  // mu_ held: the entry id names, live and current; nullptr otherwise.
  entry* find(std::uint64_t id) noexcept;
  // mu_ held: frees the slot (the caller detaches the signal node and the registry entry).
  void release(std::uint32_t index) noexcept;
  // mu_ held: the slot index tracking p for this process, or -1.
  std::int64_t tracked(const boost::filesystem::path& p) const;

  const std::string prefix_;
  const boost::filesystem::path root_;
  const std::size_t name_max_;
  std::shared_ptr<registry> registry_;
  platform::handle root_fd_ = platform::no_handle;  // platform::open_dir_ref of the root: removals of its children are one unlinkat
  mutable std::mutex mu_;
  std::vector<entry> slab_;
  std::vector<std::uint32_t> free_;
  std::unordered_map<std::string, std::uint32_t> registered_;  // path -> slot, registered entries
  std::vector<std::uint32_t> outside_;                         // slots of entries created outside the root
  std::size_t count_ = 0;                                      // live and busy entries
  // Remembered staging names (take_staging), a few destinations, replaced in turn. mu_ guards them.
  struct staging_slot {
    boost::filesystem::path dest;
    boost::filesystem::path staging;  // empty: none (or taken)
    parked_ref parked;                // staging's registry entry, parked (registry::park)
    // current_instance() of the process that remembered it (not the pid, which a process forked
    // later may have again): a child after fork() never reuses its parent's names or entries.
    std::uint64_t owner = 0;
  };
  staging_slot staging_[4];
  std::size_t next_staging_ = 0;
  std::uint64_t next_order_ = 0;
};

// Process-wide hooks: every live manager_state is listed so that exit() removes what each still
// tracks and fork() never inherits a locked state. register_state installs the hooks on first use.
void register_state(manager_state* s);
void unregister_state(manager_state* s) noexcept;
// Calls attach_signal_nodes() on every live state.
void attach_all_signal_nodes();
// What the exit hook does: every manager of this process removes what it tracks (reason exit).
// From an ordinary thread only (the Windows console handler's); never from a signal handler.
void remove_all_of_every_manager();

}  // namespace detail
}  // namespace boost_tempfm

#endif
