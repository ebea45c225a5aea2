// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LIBS_REGISTRY_IMPL_HPP
#define BOOST_TEMPFM_LIBS_REGISTRY_IMPL_HPP

#include "registry_format.hpp"

#include "../platform/platform.hpp"

#include <boost_tempfm/registry.hpp>

#include <boost/filesystem/path.hpp>

#include <atomic>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace boost_tempfm {
namespace detail {

// Where an entry of this process lives in the registry.
struct registry_ref {
  std::uint32_t slot = 0;  // its head slot; 0: not registered
};

// A parked entry of this process (registry::park): its head slot, and which slots of the head's
// block it kept (bit i: slot i of that block; a chain never leaves its block).
struct parked_ref {
  std::uint32_t slot = 0;  // 0: none
  std::uint64_t slots = 0;
};

// An entry as read from the registry.
struct raw_entry {
  std::uint32_t slot = 0;
  std::uint32_t state = 0;  // the head's state word when read
  boost::filesystem::path path;  // absolute
  entry_type type = entry_type::file;
  std::uint8_t flags = 0;   // format::flag_*
  std::int64_t created_ns = 0;
  format::identity id;
  std::string problem;      // non-empty: not a path this root may act on (format::path_problem)
  bool corrupt = false;     // unreadable (in an adopted block): its chain cannot be trusted
};

// A block owned by some process, as scanned.
struct block_info {
  std::uint32_t block = 0;
  bool intact = false;  // its header was readable; owner is known
  owner_id owner;
  bool mine = false;    // held by this process's lease
  bool alive = false;   // its lease byte is held by another process (or it is mine)
};

// One open registry of a root, shared by every manager of this process on it: the mapped registry
// file, the `locks` file (registry lock and leases), and the blocks this process owns.
class registry {
 public:
  // Opens (creating if needed) the registry of the root (any spelling). Throws filesystem_error.
  static std::shared_ptr<registry> open(const boost::filesystem::path& root);
  // The registry of root if one exists; nullptr otherwise (nothing is created).
  static std::shared_ptr<registry> open_existing(const boost::filesystem::path& root);
  ~registry();
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  const boost::filesystem::path& root() const noexcept { return root_; }
  const boost::filesystem::path& dir() const noexcept { return dir_; }

  // Records an entry of this process: flags are format::flag_created or flag_identity (with id).
  // Throws filesystem_error (the registry full, the disk full).
  registry_ref add(const std::string& abs_path, entry_type type, std::uint8_t flags,
                   const format::identity& id = {});
  // Records an entry as given, unchecked (add() builds one; tests craft hostile ones).
  registry_ref add_entry(const format::entry_data& e);
  registry_ref add_entry(const format::entry_data& e, std::string_view stored);
  // Where ref is, for install_signal_cleanup()'s handler (signal_list.hpp's registry_mark): the
  // mapping and ref's head slot with its state word now. 0 for no entry.
  unsigned char* base() const noexcept { return map_; }
  std::uint64_t mark_of(const registry_ref& ref) const noexcept {
    if (ref.slot == 0) return 0;
    return std::uint64_t(ref.slot) << 32 | mapped_view().slot(ref.slot).state.load(std::memory_order_acquire);
  }
  // Records the identity of the object that an entry of this process (flag_identity, written empty
  // before the object existed) now names. Takes no lock: only the creating thread writes that entry
  // until it is tracked. Returns the mark of the entry as it now is (see mark_of).
  std::uint64_t set_identity(const registry_ref& ref, const format::identity& id) noexcept {
    return std::uint64_t(ref.slot) << 32 | format::rewrite_identity(mapped_view(), ref.slot, id);
  }
  // Parking, for a path this process makes again and again (an atomic save's staging name): park
  // withdraws the entry as remove() does but keeps the slots it frees, unchanged, for the same
  // path, and says which; revive publishes it again for abs_path, created now, with no free list
  // and no copy of the path (0, nothing done, if those slots no longer hold exactly a parked entry
  // of abs_path: unpark it then); unpark gives those slots back (what remove() does with them),
  // only those, each once. All three under mu_, like every change of this process's slots that its
  // own listings may read. Only the thread that holds the parked_ref calls park and revive; a
  // parked ref is revived or unparked once (after fork, the child's unpark of the parent's ref does
  // nothing). revive returns the mark of the entry (see mark_of).
  parked_ref park(const registry_ref& ref) noexcept;
  std::uint64_t revive(const parked_ref& p, const std::string& abs_path) noexcept;
  void unpark(const parked_ref& p) noexcept;
  // Forgets entries of this process. Never throws; refs that are not this process's are ignored.
  void remove(const registry_ref& ref) noexcept;
  void remove_all(const std::vector<registry_ref>& refs) noexcept;
  void remove_all(const registry_ref* refs, std::size_t count) noexcept;

  // Every owned block, with its owner and whether its lease is held. With max_scan > 0, only that
  // many blocks are looked at, starting where the last such scan (of any process) stopped: a
  // bounded sweep costs the same whatever the registry's size.
  std::vector<block_info> blocks(std::uint32_t max_scan = 0);
  // The entries of block b. Entries of a live owner are read as it changes them: a torn read is
  // skipped. In a block this process adopted, nothing changes: a slot that claims an entry but
  // holds no readable one is corrupt, and returned with a problem so that the sweep drops it.
  std::vector<raw_entry> entries_of(const block_info& b, bool adopted = false);
  // Every entry of every block.
  std::vector<raw_entry> entries();

  // Takes over block b of a dead owner, exclusively (its lease byte becomes ours): false if its
  // owner is alive, another sweeper has it, or it changed since it was scanned.
  bool adopt(const block_info& b);
  // Forgets an entry of an adopted block (after its path was removed, or dropped as invalid).
  // A corrupt entry loses its head slot only (its chain cannot be trusted).
  void forget_adopted(const raw_entry& e) noexcept;
  // Gives back adopted blocks: each is freed if it holds no entry any more, else left to the next
  // sweep.
  void drop_adopted(const std::vector<std::uint32_t>& blocks) noexcept;
  // Marks an entry of a live owner as swept (sweep --all); the owner frees the slot itself.
  bool mark_swept(const raw_entry& e) noexcept;

  // Runs f while holding the registry lock (tests use it to die or stop while holding it).
  void with_lock(const std::function<void()>& f);

  // For the fork handlers: lock and unlock this process's use; forget the parent's blocks in the child.
  void lock_local() {
    lock_mu_.lock();
    mu_.lock();
  }
  void unlock_local() {
    mu_.unlock();
    lock_mu_.unlock();
  }
  void after_fork_in_child() noexcept;

 private:
  registry(boost::filesystem::path root, boost::filesystem::path dir, std::string key);
  friend class registry_lock;

  struct own_block {
    std::uint32_t block;
    std::uint32_t free_count;
    std::uint8_t free_idx[format::entry_slots];
  };

  format::view mapped_view() const noexcept {
    return format::view{map_, mapped_.load(std::memory_order_acquire)};
  }
  void map_to(std::uint32_t blocks);      // maps the file up to `blocks` (never unmaps)
  void map_current();                     // maps what the header says, checked against the file size
  // Once, before first use (registry lock taken here): a version-1 registry whose owners are gone
  // is carried over, and the header is checked (initialised, or repaired in place).
  void prepare();
  // Registry lock held: checks the header, and rewrites it in place if broken (never shrinking the
  // file others have mapped); initialises a new file.
  void check_header();
  // mu_ held: n slots of one block of ours; false if no block has n free slots.
  bool take_slots(std::uint32_t n, std::uint32_t* out);
  void give_slot(std::uint32_t slot) noexcept;  // mu_ held
  // Claims a block (mu_ not held: it may wait for the registry lock).
  void claim_block();
  // Registry lock and mu_ held: a free block (grown if none), storage zeroed; leased if asked.
  std::uint32_t take_free_block(bool lease);
  // Registry lock held, at open: a version-1 registry whose owners are all gone is carried over.
  void migrate_v1();
  // mu_ held: frees the blocks and gives their leases back, if the registry lock can be had at
  // once (true); else nothing changes (a stopped holder must not stall a removal).
  bool release_blocks(std::vector<std::uint32_t>& blocks) noexcept;
  // mu_ held, in a block this process adopted: frees swept heads and continuation slots that no
  // live head reaches (left by an owner killed halfway); true if the block is empty then.
  bool tidy_adopted(std::uint32_t block) noexcept;
  bool mine(std::uint32_t block) const noexcept;

  const boost::filesystem::path root_;
  const boost::filesystem::path dir_;

 public:
  const std::string key;  // the registry directory's device and inode: one registry per directory

 private:
  platform::handle dir_fd_ = platform::no_handle;        // the registry directory
  platform::handle reg_fd_ = platform::no_handle;        // the registry file
  platform::handle locks_fd_ = platform::no_handle;      // the locks file: one descriptor per process and root, see byte_lock.hpp
  unsigned char* map_ = nullptr;  // a reservation of max_blocks blocks; the file mapped at its start
  std::atomic<std::uint32_t> mapped_{0};  // blocks mapped (only grows)
  std::mutex map_mu_;                     // growing the mapping
  std::mutex lock_mu_;    // this process's use of the registry lock (threads share POSIX locks)
  std::atomic<bool> prepared_{false};
  std::mutex mu_;         // this process's blocks and entries; never held while waiting for the lock
  std::vector<own_block> own_;            // blocks this process owns
  std::vector<std::int32_t> own_index_;   // block -> index in own_, -1: not ours
  std::vector<std::uint32_t> avail_;      // indices in own_ of blocks with free slots
  std::uint32_t free_total_ = 0;
  std::set<std::uint32_t> adopted_;       // dead owners' blocks this process is sweeping
};

// Holds the registry lock: this process's lock_mu_, then byte 0 of `locks`. wait=false: only if
// both are free at once (held() says).
class registry_lock {
 public:
  explicit registry_lock(registry& r, bool wait = true);
  ~registry_lock();
  registry_lock(const registry_lock&) = delete;
  registry_lock& operator=(const registry_lock&) = delete;
  bool held() const noexcept { return held_; }

 private:
  registry& r_;
  std::unique_lock<std::mutex> local_;
  bool held_ = false;
};

// Test hook: called right after the registry lock is taken (true) and right before it is given
// back (false), so a test can stop or kill a process at exactly those instants.
extern void (*registry_lock_hook)(bool taken);

// The fork handlers: lock every registry open in this process, and unlock them.
void lock_registries();
void unlock_registries(bool in_child);

// <root>/.tempfm-<euid>
boost::filesystem::path registry_dir_of(const boost::filesystem::path& root);

}  // namespace detail
}  // namespace boost_tempfm

#endif
