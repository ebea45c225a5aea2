// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LIBS_REGISTRY_FORMAT_HPP
#define BOOST_TEMPFM_LIBS_REGISTRY_FORMAT_HPP

// The registry's on-disk format (version 2) over a byte range: the layout, and the functions that
// write and read entries in it. Nothing here touches a file, so the reader can be fuzzed on plain
// memory (test/fuzz_registry.cpp).
//
// <root>/.tempfm-<uid>/registry.v2 is an array of 8 KiB blocks of 64 slots of 128 bytes, mapped
// MAP_SHARED by every process using the root. Block 0 is the header. Every other block is free or
// owned by one process, which holds a kernel lock on the block's lease byte of the `locks` file
// while it owns the block (see registry.cpp): the owner alone writes the block's entries, so entries
// need no cross-process lock. Slot 0 of a block is its header (who owns it); slots 1-63 hold
// entries: a head slot, chained to continuation slots for paths longer than 72 bytes.
//
// Readers in other processes use the state word of a head slot as a sequence lock: its low two
// bits are the state and the rest counts changes, so a reader that sees the same word before and
// after copying an entry has a consistent copy.

#include <boost_tempfm/registry.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace boost_tempfm {
namespace detail {
namespace format {

constexpr char magic[8] = {'T', 'E', 'M', 'P', 'F', 'M', 'R', 'G'};
constexpr char magic_v1[8] = {'T', 'E', 'M', 'P', 'F', 'M', 'R', '1'};
constexpr std::uint32_t version = 2;
constexpr std::uint32_t slot_bytes = 128;
constexpr std::uint32_t block_slots = 64;
constexpr std::uint32_t block_bytes = slot_bytes * block_slots;
constexpr std::uint32_t entry_slots = block_slots - 1;  // per block
constexpr std::uint32_t initial_blocks = 4;             // the header and 3 blocks: 32 KiB
constexpr std::uint32_t max_blocks = 1u << 17;          // 1 GiB of address space: ~8.2 million entries
constexpr std::uint32_t max_path = 4096;
constexpr std::uint32_t head_path_bytes = 72;
constexpr std::uint32_t cont_path_bytes = 120;
constexpr std::uint32_t max_chain = 1 + (max_path - head_path_bytes + cont_path_bytes - 1) / cont_path_bytes;

// Offsets in the `locks` file: the registry lock, and one lease byte per block.
constexpr std::uint64_t registry_lock_offset = 0;
constexpr std::uint64_t lease_offset = 1u << 20;
inline std::uint64_t lease_of(std::uint32_t block) { return lease_offset + block; }

// Head slot states (low two bits of the state word).
enum : std::uint32_t { slot_free = 0, slot_live = 1, slot_cont = 2, slot_swept = 3 };
// Block states.
enum : std::uint32_t { block_free = 0, block_owned = 1 };

// Entry flags.
enum : std::uint8_t {
  flag_relative = 1,  // the stored path is one name in the root
  flag_created = 2,   // made by the owner (a random name, O_EXCL): removed by name
  flag_identity = 4,  // dev, ino and birth time were recorded: removed only if they still match
};

struct header {
  char magic[8];
  std::uint32_t version;
  std::uint32_t slot_bytes;
  std::uint32_t block_slots;
  std::atomic<std::uint32_t> sweep_hint;  // where the next bounded sweep starts looking
  std::atomic<std::uint32_t> capacity;    // blocks, the header's included
  std::uint32_t claim_hint;             // where the next search for a free block starts
  std::int64_t created_ns;
  std::uint64_t repairs;                // headers rewritten because they were broken
};

struct block_header {
  std::atomic<std::uint32_t> state;
  std::uint32_t checksum;  // of the fields below
  std::uint32_t pid;
  std::uint32_t reserved0;
  std::uint64_t pid_namespace;
  std::uint64_t instance;
  std::uint8_t boot_id[16];
  std::int64_t claimed_ns;
  std::uint8_t reserved[72];
};

struct identity {
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  std::int64_t btime_sec = 0;  // birth time; 0 when the filesystem does not record it
  std::uint32_t btime_nsec = 0;
  std::uint32_t handle = 0;    // hash of the file handle (inode and generation); 0 when unknown
};

struct entry_slot {
  std::atomic<std::uint32_t> state;  // state | sequence << 2
  std::uint32_t next;                // first continuation slot (index in the file), 0: none
  std::uint8_t type;                 // entry_type
  std::uint8_t flags;
  std::uint16_t path_len;
  std::uint32_t checksum;
  std::int64_t created_ns;
  std::uint64_t dev;
  std::uint64_t ino;
  std::int64_t btime_sec;
  std::uint32_t btime_nsec;
  std::uint32_t handle;
  char path[head_path_bytes];
};

struct cont_slot {
  std::atomic<std::uint32_t> state;
  std::uint32_t next;
  char path[cont_path_bytes];
};

static_assert(sizeof(header) <= block_bytes, "header layout");
static_assert(sizeof(block_header) == slot_bytes, "block header layout");
static_assert(sizeof(entry_slot) == slot_bytes, "entry slot layout");
static_assert(sizeof(cont_slot) == slot_bytes, "continuation slot layout");
static_assert(std::atomic<std::uint32_t>::is_always_lock_free, "lock-free atomics are address-free");

// What one entry says, as written and as read back.
struct entry_data {
  std::string stored;  // one name if flag_relative, else an absolute path
  std::uint8_t type = 0;
  std::uint8_t flags = 0;
  std::int64_t created_ns = 0;
  identity id;
};

// The owner recorded in a block header.
struct block_owner {
  std::uint32_t pid = 0;
  std::uint64_t pid_namespace = 0;
  std::uint64_t instance = 0;
  std::uint8_t boot_id[16] = {};
};

// A view of mapped registry bytes: `blocks` whole blocks at `base`.
struct view {
  unsigned char* base = nullptr;
  std::uint32_t blocks = 0;

  header& head() const { return *reinterpret_cast<header*>(base); }
  block_header& block(std::uint32_t b) const {
    return *reinterpret_cast<block_header*>(base + std::size_t(b) * block_bytes);
  }
  entry_slot& slot(std::uint32_t s) const { return *reinterpret_cast<entry_slot*>(base + std::size_t(s) * slot_bytes); }
  cont_slot& cont(std::uint32_t s) const { return *reinterpret_cast<cont_slot*>(base + std::size_t(s) * slot_bytes); }
  std::uint32_t slots() const { return blocks * block_slots; }
};

inline std::uint32_t block_of(std::uint32_t slot) { return slot / block_slots; }
// The state word that follows `old` with `state`: the sequence counts every change.
inline std::uint32_t next_state(std::uint32_t old, std::uint32_t state) { return (((old >> 2) + 1) << 2) | state; }
// Slots an entry whose stored path has len bytes needs.
std::uint32_t slots_for(std::size_t len);

// Wall-clock time in ns since the epoch, as entries and blocks record it.
std::int64_t now_ns();

// The header of a new registry of `blocks` blocks.
void init_header(header& h, std::uint32_t blocks);
// "" if h is a usable version-2 header for a file of file_blocks whole blocks; else what is wrong.
std::string header_problem(const header& h, std::uint64_t file_blocks);
// The version a header of this library's magic declares (0 if the magic is another one).
std::uint32_t declared_version(const header& h);

// Writes the owner into block b's header and publishes it (state owned).
void claim_block(const view& v, std::uint32_t b, const block_owner& o, std::int64_t now_ns);
// Reads the owner of block b; false if the block is not owned or its header is broken.
bool read_block_owner(const view& v, std::uint32_t b, block_owner& o);

// Writes the entry (its stored path given apart, to spare a copy) into slots[0..n) (slots[0] is the
// head) and publishes it with one release store.
void write_entry(const view& v, const std::uint32_t* slots, std::uint32_t n, const entry_data& e,
                 std::string_view stored);
// Gives the live entry at head (written by this process, which alone writes it) the identity id, in
// place: its state word goes free while the fields change and live again after (readers skip it in
// between, never read it torn). Returns the new state word.
std::uint32_t rewrite_identity(const view& v, std::uint32_t head, const identity& id) noexcept;

// A parked entry: one of this process withdrawn by free_entry whose slots it kept, unchanged, for
// the same path again (registry::park). parked_chain: its slots, head first (its continuation
// slots are found by the links left in them); returns how many. revive_entry: publishes it again,
// created at created_ns (continuations first, then the head with one release store), if it is
// still a parked file entry naming abs_path (stored relative to root or absolute) in exactly the
// slots `kept` (bit i: slot i of head's block) and those are free; returns the head's new state
// word, or 0 (nothing changed).
std::uint32_t parked_chain(const view& v, std::uint32_t head, std::uint32_t* slots) noexcept;
std::uint32_t revive_entry(const view& v, std::uint32_t head, std::uint64_t kept, std::int64_t created_ns,
                           std::string_view abs_path, std::string_view root) noexcept;

// Withdraws the entry at head (and its continuation slots); returns how many slots were freed.
// Only the slots' writer (the owner, or the adopter of a dead owner's block) calls it.
std::uint32_t free_entry(const view& v, std::uint32_t head, std::uint32_t* freed);

enum class read_result { empty, ok, broken };
// Reads the entry at head as other processes may be changing it: `empty` if the slot holds no
// live entry, `broken` if it is torn, corrupt or changed while read. `state` receives the state
// word read (for mark_swept).
read_result read_entry(const view& v, std::uint32_t head, entry_data& out, std::uint32_t* state = nullptr);

// Marks a live entry (state word `seen`) as swept, if it did not change meanwhile.
bool mark_swept(const view& v, std::uint32_t head, std::uint32_t seen);

// "" if the stored path may be acted on for this root; else why not. A relative entry is exactly one
// name; an absolute one is normalised and is neither /, the root, an ancestor of it, nor in its
// registry directory.
std::string path_problem(const entry_data& e, const std::string& root, const std::string& registry_dir);

// An entry of a version-1 registry (the format of boost_tempfm 0.1.0) and its owner as 0.1
// recorded it.
struct v1_entry {
  entry_data e;  // stored: an absolute path
  std::uint32_t pid = 0;
  std::uint64_t start_time = 0;  // /proc/PID/stat field 22
  std::uint8_t boot_id[16] = {};
};
// The entries of a version-1 registry with intact chains and checksums. Reads any bytes safely.
std::vector<v1_entry> read_v1(const unsigned char* data, std::size_t size, const std::string& root);

}  // namespace format
}  // namespace detail
}  // namespace boost_tempfm

#endif
