// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
//
// The registry at work: the registry lock, the mapping, blocks claimed and given back, entries
// added and removed, and the scans and adoptions that sweeps use. Opening, checking and the cache
// of open registries are in registry_open.cpp; the byte layout in registry_format.cpp.
//
// Ownership is kernel state, never a guess (doc/design.md, "Ownership"):
//  - A process owns a block while it holds the block's lease byte in `locks` (a POSIX record lock).
//    The kernel releases it when the process dies or execs, never while it is merely stopped or
//    slow, and everyone can test it, in any PID namespace.
//  - The registry lock (byte 0 of `locks`, same kind of lock) guards only the structure: claiming
//    and giving back blocks, growing the file, repairing the header. A holder that dies or execs
//    releases it at once; a stopped holder keeps it, and nobody takes it from it.
//  - A process writes entries only into its own blocks, under its own mutex: creating and removing
//    a temp file takes no cross-process lock and no syscall here.
#include "detail/registry_impl.hpp"

#include "detail/byte_lock.hpp"
#include "detail/errors.hpp"
#include "detail/log_impl.hpp"
#include "detail/process_identity.hpp"
#include "platform/platform.hpp"


#include <algorithm>
#include <cerrno>
#include <cstring>

namespace boost_tempfm {
namespace detail {

namespace fs = boost::filesystem;
using namespace format;

void (*registry_lock_hook)(bool taken) = nullptr;

namespace {

block_owner me_as_owner() {
  const owner_id self = current_process();
  block_owner o;
  o.pid = self.pid;
  o.pid_namespace = self.pid_namespace;
  o.instance = self.instance;
  std::memcpy(o.boot_id, self.boot_id.data(), sizeof o.boot_id);
  return o;
}

owner_id to_owner_id(const block_owner& o) {
  owner_id id;
  id.pid = o.pid;
  id.pid_namespace = o.pid_namespace;
  id.instance = o.instance;
  std::memcpy(id.boot_id.data(), o.boot_id, sizeof o.boot_id);
  return id;
}

}  // namespace

registry_lock::registry_lock(registry& r, bool wait) : r_(r), local_(r.lock_mu_, std::defer_lock) {
  if (!wait) {
    if (!local_.try_lock()) return;
    bool got = false;
    if (byte_lock::try_lock(r.locks_fd_, registry_lock_offset, got) != 0 || !got) {
      local_.unlock();
      return;
    }
  } else {
    local_.lock();
    if (int err = byte_lock::lock(r.locks_fd_, registry_lock_offset))
      throw_errno("cannot take the registry lock", r.dir_ / "locks", err);
  }
  held_ = true;
  if (registry_lock_hook) registry_lock_hook(true);
}

registry_lock::~registry_lock() {
  if (!held_) return;
  if (registry_lock_hook) registry_lock_hook(false);
  (void)byte_lock::unlock(r_.locks_fd_, registry_lock_offset);
}

registry::registry(fs::path root, fs::path dir, std::string k)
    : root_(std::move(root)), dir_(std::move(dir)), key(std::move(k)) {}

registry::~registry() {
  try {
    std::lock_guard<std::mutex> g(mu_);
    std::vector<std::uint32_t> empty;
    for (const own_block& ob : own_)
      if (ob.free_count == entry_slots) empty.push_back(ob.block);
    // Blocks still holding entries stay: with the locks file closed below they are a dead owner's,
    // and the next sweep removes what no manager of this process tracks any more. So do empty
    // blocks when the registry lock is busy: a sweep frees them.
    if (!empty.empty() && locks_fd_ != platform::no_handle) (void)release_blocks(empty);
  } catch (...) {
  }
  platform::release_address_space(map_, std::size_t(max_blocks) * block_bytes);
  (void)platform::close(reg_fd_);
  (void)platform::close(locks_fd_);
  (void)platform::close(dir_fd_);
}

void registry::map_to(std::uint32_t blocks) {
  std::lock_guard<std::mutex> g(map_mu_);
  const std::uint32_t mapped = mapped_.load(std::memory_order_relaxed);
  if (blocks <= mapped) return;
  const std::size_t off = std::size_t(mapped) * block_bytes;
  if (int err = platform::map_shared_at(map_ + off, std::size_t(blocks - mapped) * block_bytes, reg_fd_, off))
    throw_errno("cannot map the registry", dir_ / "registry.v2", err);
  mapped_.store(blocks, std::memory_order_release);
}

void registry::map_current() {
  // The common case costs no syscall: the mapping already covers what the header says.
  const std::uint32_t cap = mapped_view().head().capacity.load(std::memory_order_acquire);
  if (cap <= mapped_.load(std::memory_order_acquire)) return;
  platform::file_status st;
  if (int err = platform::status_of(reg_fd_, st)) throw_errno("cannot inspect the registry", dir_ / "registry.v2", err);
  // Never map past the end of the file (that would be SIGBUS): a capacity beyond it is a broken
  // header, repaired under the registry lock (registry_open.cpp).
  const std::uint64_t file_blocks = st.size / block_bytes;
  map_to(static_cast<std::uint32_t>(std::min<std::uint64_t>({cap, file_blocks, max_blocks})));
}

bool registry::mine(std::uint32_t block) const noexcept {
  return block < own_index_.size() && own_index_[block] >= 0;
}

std::uint32_t registry::take_free_block(bool lease) {
  const format::view v0 = mapped_view();
  header& h = v0.head();
  std::uint32_t cap = std::min(h.capacity.load(std::memory_order_acquire), v0.blocks);
  std::uint32_t start = h.claim_hint >= 1 && h.claim_hint < cap ? h.claim_hint : 1;
  std::uint32_t b = 0;
  for (;;) {
    const format::view v = mapped_view();
    for (std::uint32_t k = 0; k + 1 < cap && b == 0; ++k) {
      const std::uint32_t c = 1 + (start - 1 + k) % (cap - 1);
      if (v.block(c).state.load(std::memory_order_acquire) != block_free || adopted_.count(c)) continue;
      bool got = !lease;
      if (lease && byte_lock::try_lock(locks_fd_, lease_of(c), got) != 0) got = false;
      if (got) b = c;  // else a sweeper is looking at it: take another
    }
    if (b != 0) break;
    // No free block: grow the file, then the capacity (a process dying in between leaves a file
    // longer than the capacity, which check_header() repairs).
    platform::file_status st;
    if (int err = platform::status_of(reg_fd_, st)) throw_errno("cannot inspect the registry", dir_ / "registry.v2", err);
    const std::uint64_t file_blocks = st.size / block_bytes;
    if (cap >= max_blocks) throw_errno("the registry is full", dir_ / "registry.v2", ENOSPC);
    const std::uint32_t ncap = std::min(cap * 2, max_blocks);
    // Every block is allocated before anyone may touch it: on tmpfs, even a read of a hole
    // through a mapping allocates, and on a full one that is SIGBUS, not an error.
    if (file_blocks < ncap) {
      if (int err = platform::allocate(reg_fd_, file_blocks * block_bytes, std::uint64_t(ncap - file_blocks) * block_bytes))
        throw_errno("cannot grow the registry", dir_ / "registry.v2", err);
    }
    map_to(ncap);
    h.capacity.store(ncap, std::memory_order_release);
    start = cap;
    cap = ncap;
  }
  // Clear the block but keep each slot's sequence number running: a reader that saw an entry of
  // the block's previous owner must not take a new entry with the same state word for it.
  const format::view v = mapped_view();
  for (std::uint32_t i = 1; i < block_slots; ++i) {
    entry_slot& es = v.slot(b * block_slots + i);
    const std::uint32_t seen = es.state.load(std::memory_order_relaxed);
    es.state.exchange(next_state(seen, slot_free), std::memory_order_acq_rel);
    std::memset(reinterpret_cast<unsigned char*>(&es) + sizeof es.state, 0, slot_bytes - sizeof es.state);
  }
  h.claim_hint = b + 1;
  return b;
}

void registry::claim_block() {
  registry_lock lk(*this);  // may wait for another process: mu_ is not held, removals go on
  check_header();
  std::lock_guard<std::mutex> g(mu_);
  own_.reserve(own_.size() + 1);
  avail_.reserve(own_.size() + 1);
  const std::uint32_t b = take_free_block(true);
  try {
    if (own_index_.size() <= b) own_index_.resize(std::size_t(b) + 1, -1);
  } catch (...) {
    (void)byte_lock::unlock(locks_fd_, lease_of(b));
    throw;
  }
  format::claim_block(mapped_view(), b, me_as_owner(), now_ns());
  own_block ob;
  ob.block = b;
  ob.free_count = entry_slots;
  for (std::uint32_t i = 0; i < entry_slots; ++i) ob.free_idx[i] = static_cast<std::uint8_t>(entry_slots - i);
  own_index_[b] = static_cast<std::int32_t>(own_.size());
  own_.push_back(ob);  // reserved: no throw
  avail_.push_back(static_cast<std::uint32_t>(own_.size() - 1));
  free_total_ += entry_slots;
}

bool registry::release_blocks(std::vector<std::uint32_t>& blocks) noexcept {
  registry_lock lk(*this, false);
  if (!lk.held()) return false;
  std::sort(blocks.begin(), blocks.end());
  const format::view v = mapped_view();
  // Runs of consecutive blocks: one lease range given back per run. The storage stays: the file
  // never shrinks under others' mappings, and a hole would be allocated again by the next reader
  // (tmpfs allocates on read faults too, and on a full tmpfs that is SIGBUS).
  for (std::size_t i = 0; i < blocks.size();) {
    std::size_t j = i + 1;
    while (j < blocks.size() && blocks[j] == blocks[j - 1] + 1) ++j;
    const std::uint32_t first = blocks[i], count = static_cast<std::uint32_t>(j - i);
    i = j;
    if (first == 0 || first + count > v.blocks) continue;
    for (std::uint32_t b = first; b < first + count; ++b) v.block(b).state.store(block_free, std::memory_order_release);
    (void)byte_lock::unlock(locks_fd_, lease_of(first), count);
  }
  return true;
}

bool registry::take_slots(std::uint32_t n, std::uint32_t* out) {
  // A chain stays inside one block: whoever frees it (the owner, or the sweeper that adopted the
  // block) never writes into another block.
  for (std::size_t k = avail_.size(); k-- > 0;) {
    own_block& ob = own_[avail_[k]];
    if (ob.free_count < n) continue;
    for (std::uint32_t i = 0; i < n; ++i) out[i] = ob.block * block_slots + ob.free_idx[--ob.free_count];
    free_total_ -= n;
    if (ob.free_count == 0) avail_.erase(avail_.begin() + static_cast<std::ptrdiff_t>(k));
    return true;
  }
  return false;
}

void registry::give_slot(std::uint32_t slot) noexcept {
  const std::uint32_t idx = static_cast<std::uint32_t>(own_index_[block_of(slot)]);
  own_block& ob = own_[idx];
  if (ob.free_count == 0) avail_.push_back(idx);  // capacity: one per owned block, reserved
  ob.free_idx[ob.free_count++] = static_cast<std::uint8_t>(slot % block_slots);
  ++free_total_;
}

registry_ref registry::add(const std::string& abs_path, entry_type type, std::uint8_t flags, const identity& id) {
  const std::string& rs = platform::path_bytes(root_);
  const bool rel = abs_path.size() > rs.size() + 1 && abs_path.compare(0, rs.size(), rs) == 0 &&
                   abs_path[rs.size()] == '/' && abs_path.find('/', rs.size() + 1) == std::string::npos;
  entry_data e;
  e.type = static_cast<std::uint8_t>(type);
  e.flags = static_cast<std::uint8_t>(flags | (rel ? flag_relative : 0));
  e.created_ns = now_ns();
  e.id = id;
  return add_entry(e, rel ? std::string_view(abs_path).substr(rs.size() + 1) : std::string_view(abs_path));
}

registry_ref registry::add_entry(const entry_data& e) { return add_entry(e, e.stored); }

registry_ref registry::add_entry(const entry_data& e, std::string_view stored) {
  if (stored.empty()) throw_errno("cannot record an empty path", root_, EINVAL);
  if (stored.size() > max_path) throw_errno("path too long for the registry", std::string(stored), ENAMETOOLONG);
  prepare();
  std::uint32_t slots[max_chain];
  const std::uint32_t n = slots_for(stored.size());
  std::unique_lock<std::mutex> g(mu_);
  while (!take_slots(n, slots)) {
    g.unlock();
    claim_block();
    g.lock();
  }
  write_entry(mapped_view(), slots, n, e, stored);
  return registry_ref{slots[0]};
}

parked_ref registry::park(const registry_ref& ref) noexcept {
  parked_ref p;
  if (ref.slot == 0) return p;
  std::lock_guard<std::mutex> g(mu_);  // this process's own listings read its slots under mu_
  std::uint32_t freed[max_chain];
  const std::uint32_t n = free_entry(mapped_view(), ref.slot, freed);
  p.slot = ref.slot;
  for (std::uint32_t k = 0; k < n; ++k)
    if (block_of(freed[k]) == block_of(ref.slot)) p.slots |= std::uint64_t(1) << (freed[k] % block_slots);
  return p;
}

std::uint64_t registry::revive(const parked_ref& p, const std::string& abs_path) noexcept {
  if (p.slot == 0 || p.slot >= mapped_view().slots()) return 0;
  std::lock_guard<std::mutex> g(mu_);
  const std::uint32_t live =
      format::revive_entry(mapped_view(), p.slot, p.slots, now_ns(), abs_path, platform::path_bytes(root_));
  return live ? std::uint64_t(p.slot) << 32 | live : 0;
}

void registry::unpark(const parked_ref& p) noexcept {
  std::lock_guard<std::mutex> g(mu_);
  if (p.slot == 0 || !mine(block_of(p.slot))) return;
  const std::uint32_t first = block_of(p.slot) * block_slots;
  for (std::uint32_t i = 1; i < block_slots; ++i)  // slot 0 of a block is its header
    if (p.slots >> i & 1u) give_slot(first + i);
}

void registry::remove(const registry_ref& ref) noexcept { remove_all(&ref, 1); }

void registry::remove_all(const std::vector<registry_ref>& refs) noexcept { remove_all(refs.data(), refs.size()); }

void registry::remove_all(const registry_ref* refs, std::size_t count) noexcept {
  std::lock_guard<std::mutex> g(mu_);
  std::uint32_t freed[max_chain];
  for (std::size_t i = 0; i < count; ++i) {
    const registry_ref& r = refs[i];
    // Only this process's slots: after fork() the child never touches its parent's.
    if (r.slot == 0 || !mine(block_of(r.slot))) continue;
    const std::uint32_t n = free_entry(mapped_view(), r.slot, freed);
    for (std::uint32_t k = 0; k < n; ++k)
      if (mine(block_of(freed[k]))) give_slot(freed[k]);
  }
  // Give back blocks that are empty while at least a block's worth of slots stays free elsewhere,
  // so that a count oscillating around a block boundary does not claim and release each time.
  if (free_total_ < 2 * entry_slots) return;
  std::vector<std::uint32_t> release;
  try {
    std::uint32_t spare = free_total_;
    for (const own_block& ob : own_) {
      if (spare < 2 * entry_slots) break;
      if (ob.free_count != entry_slots) continue;
      release.push_back(ob.block);
      spare -= entry_slots;
    }
  } catch (...) {
    return;  // no memory for the list: they stay claimed for now
  }
  // Given back only if the registry lock is free at once: a stopped holder never stalls a removal.
  if (release.empty() || !release_blocks(release)) return;  // (sorted by release_blocks)
  for (std::size_t i = 0; i < own_.size();) {
    if (!std::binary_search(release.begin(), release.end(), own_[i].block)) {
      ++i;
      continue;
    }
    free_total_ -= entry_slots;
    own_index_[own_[i].block] = -1;
    if (i + 1 != own_.size()) {
      own_[i] = own_.back();
      own_index_[own_[i].block] = static_cast<std::int32_t>(i);
    }
    own_.pop_back();
  }
  avail_.clear();
  for (std::size_t i = 0; i < own_.size(); ++i)
    if (own_[i].free_count > 0) avail_.push_back(static_cast<std::uint32_t>(i));
}

std::vector<block_info> registry::blocks(std::uint32_t max_scan) {
  std::vector<block_info> out;
  {
    std::lock_guard<std::mutex> g(mu_);
    map_current();
    const format::view v = mapped_view();
    const std::uint32_t cap = std::min(v.head().capacity.load(std::memory_order_acquire), v.blocks);
    if (cap < 2) return out;
    std::uint32_t start = 1, count = cap - 1;
    if (max_scan > 0 && max_scan < count) {
      start = v.head().sweep_hint.load(std::memory_order_relaxed);
      if (start < 1 || start >= cap) start = 1;
      count = max_scan;
      v.head().sweep_hint.store(1 + (start - 1 + count) % (cap - 1), std::memory_order_relaxed);
    }
    // A full scan reads every block: map them in one call rather than by a page fault each.
    if (count == cap - 1) platform::prefault(map_ + block_bytes, std::size_t(count) * block_bytes);
    for (std::uint32_t k = 0; k < count; ++k) {
      const std::uint32_t b = 1 + (start - 1 + k) % (cap - 1);
      if (v.block(b).state.load(std::memory_order_acquire) != block_owned) continue;
      block_info bi;
      bi.block = b;
      block_owner o;
      bi.intact = read_block_owner(v, b, o);
      if (bi.intact) bi.owner = to_owner_id(o);
      bi.mine = mine(b) || adopted_.count(b) != 0;
      bi.alive = bi.mine;
      out.push_back(bi);
    }
  }
  // A live owner holds the leases of all its blocks: one held lease proves its owner alive for its
  // other blocks too. A free lease is tested block by block (an owner that just gave one block back
  // is still alive; adopting a block re-checks anyway). A block a sweeper holds makes its dead
  // owner look alive for a moment: the safe side.
  std::set<std::uint64_t> alive;
  for (block_info& bi : out) {
    if (bi.mine) continue;
    if (bi.intact && alive.count(bi.owner.instance)) {
      bi.alive = true;
      continue;
    }
    bool held = true;  // when the kernel cannot say, the owner is taken for alive
    if (byte_lock::held_by_other(locks_fd_, lease_of(bi.block), held) != 0) held = true;
    bi.alive = held;
    if (held && bi.intact) alive.insert(bi.owner.instance);
  }
  return out;
}

std::vector<raw_entry> registry::entries_of(const block_info& bi, bool adopted) {
  std::vector<raw_entry> out;
  std::unique_lock<std::mutex> g(mu_, std::defer_lock);
  if (bi.mine) g.lock();  // this process's own blocks change under its mutex
  const format::view v = mapped_view();
  if (bi.block == 0 || bi.block >= v.blocks) return out;
  const std::string rootp = platform::path_bytes(root_) + "/";
  entry_data e;
  out.reserve(entry_slots);
  for (std::uint32_t i = 1; i < block_slots; ++i) {
    const std::uint32_t s = bi.block * block_slots + i;
    std::uint32_t state = 0;
    const read_result r = read_entry(v, s, e, &state);
    if (r == read_result::empty) continue;
    if (r == read_result::broken) {
      if (adopted) {
        raw_entry re;
        re.slot = s;
        re.state = state;
        re.problem = "a corrupt entry";
        re.corrupt = true;
        out.push_back(std::move(re));
      }
      continue;
    }
    raw_entry re;
    re.slot = s;
    re.state = state;
    re.problem = path_problem(e, platform::path_bytes(root_), platform::path_bytes(dir_));
    if (re.problem.empty()) re.problem = platform::stored_path_problem(e.stored, (e.flags & flag_relative) != 0);
    if (e.flags & flag_relative) {
      std::string full;
      full.reserve(rootp.size() + e.stored.size());
      full = rootp;
      full += e.stored;
      re.path = platform::path_of_bytes(std::move(full));
    } else {
      re.path = platform::path_of_bytes(e.stored);
    }
    re.type = e.type == 1 ? entry_type::directory : entry_type::file;
    re.flags = e.flags;
    re.created_ns = e.created_ns;
    re.id = e.id;
    out.push_back(std::move(re));
  }
  if (!bi.mine && bi.intact) {
    // Reclaimed by someone else while we read: those entries are not this owner's.
    block_owner o;
    if (!read_block_owner(v, bi.block, o) || o.instance != bi.owner.instance) out.clear();
  }
  return out;
}

std::vector<raw_entry> registry::entries() {
  std::vector<raw_entry> out;
  for (const block_info& bi : blocks()) {
    std::vector<raw_entry> es = entries_of(bi);
    out.insert(out.end(), std::make_move_iterator(es.begin()), std::make_move_iterator(es.end()));
  }
  return out;
}

bool registry::adopt(const block_info& bi) {
  {
    std::lock_guard<std::mutex> g(mu_);
    if (mine(bi.block) || adopted_.count(bi.block) || bi.block == 0 || bi.block >= mapped_.load(std::memory_order_acquire)) return false;
    adopted_.insert(bi.block);
  }
  bool got = false;
  bool ok = byte_lock::try_lock(locks_fd_, lease_of(bi.block), got) == 0 && got;
  if (ok) {
    // Still the block we scanned: owned, by the same owner.
    const format::view v = mapped_view();
    block_owner o;
    const bool intact = read_block_owner(v, bi.block, o);
    ok = v.block(bi.block).state.load(std::memory_order_acquire) == block_owned && intact == bi.intact &&
         (!intact || o.instance == bi.owner.instance);
    if (!ok) (void)byte_lock::unlock(locks_fd_, lease_of(bi.block));
  }
  if (!ok) {
    std::lock_guard<std::mutex> g(mu_);
    adopted_.erase(bi.block);
  }
  return ok;
}

void registry::forget_adopted(const raw_entry& e) noexcept {
  const format::view v = mapped_view();
  if (!e.corrupt) {  // intact (whatever its path): its chain was read
    std::uint32_t freed[max_chain];
    (void)free_entry(v, e.slot, freed);
    return;
  }
  std::uint32_t seen = e.state;
  v.slot(e.slot).state.compare_exchange_strong(seen, next_state(seen, slot_free));
}

bool registry::tidy_adopted(std::uint32_t block) noexcept {
  const format::view v = mapped_view();
  const std::uint32_t first = block * block_slots;
  bool reached[block_slots] = {};
  std::uint32_t freed[max_chain];
  for (std::uint32_t i = 1; i < block_slots; ++i) {
    const std::uint32_t st = v.slot(first + i).state.load(std::memory_order_acquire) & 3u;
    if (st == slot_swept) {
      (void)free_entry(v, first + i, freed);  // swept by `sweep --all` before its owner died
    } else if (st == slot_live) {
      reached[i] = true;
      std::uint32_t next = v.slot(first + i).next;
      for (std::uint32_t k = 1; next != 0 && k < max_chain && block_of(next) == block && next % block_slots != 0; ++k) {
        reached[next % block_slots] = true;
        next = v.cont(next).next;
      }
    }
  }
  bool empty = true;
  for (std::uint32_t i = 1; i < block_slots; ++i) {
    std::atomic<std::uint32_t>& state = v.slot(first + i).state;
    const std::uint32_t seen = state.load(std::memory_order_acquire);
    if ((seen & 3u) == slot_cont && !reached[i]) {
      // A continuation no head reaches: its owner died between writing it and publishing the
      // head, or while freeing the chain.
      state.exchange(next_state(seen, slot_free), std::memory_order_acq_rel);
      continue;
    }
    empty = empty && (seen & 3u) == slot_free;
  }
  return empty;
}

void registry::drop_adopted(const std::vector<std::uint32_t>& blocks) noexcept {
  std::vector<std::uint32_t> empty;
  try {
    empty.reserve(blocks.size());
  } catch (...) {
  }
  std::lock_guard<std::mutex> g(mu_);
  for (std::uint32_t block : blocks) {
    if (tidy_adopted(block) && empty.size() < empty.capacity())
      empty.push_back(block);  // freed below, with its lease
    else
      (void)byte_lock::unlock(locks_fd_, lease_of(block));  // what is left waits for the next sweep
  }
  // Freed only if the registry lock is free at once; else they stay a dead owner's, empty, and
  // the next sweep frees them.
  if (!empty.empty() && !release_blocks(empty))
    for (std::uint32_t block : empty) (void)byte_lock::unlock(locks_fd_, lease_of(block));
  for (std::uint32_t block : blocks) adopted_.erase(block);
}

bool registry::mark_swept(const raw_entry& e) noexcept { return format::mark_swept(mapped_view(), e.slot, e.state); }

void registry::with_lock(const std::function<void()>& f) {
  std::lock_guard<std::mutex> g(mu_);
  registry_lock lk(*this);
  f();
}

void registry::after_fork_in_child() noexcept {
  // The parent's blocks and adoptions stay the parent's: the child holds none of their leases (POSIX
  // record locks are not inherited) and claims blocks of its own when it first adds an entry.
  own_.clear();
  own_index_.clear();
  avail_.clear();
  free_total_ = 0;
  adopted_.clear();
}

}  // namespace detail
}  // namespace boost_tempfm
