// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include "detail/registry_format.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

namespace boost_tempfm {
namespace detail {
namespace format {

namespace {

// Plain mirrors of the slots, copied out of shared memory before they are looked at.
struct entry_pod {
  std::uint32_t state, next;
  std::uint8_t type, flags;
  std::uint16_t path_len;
  std::uint32_t checksum;
  std::int64_t created_ns;
  std::uint64_t dev, ino;
  std::int64_t btime_sec;
  std::uint32_t btime_nsec, handle;
  char path[head_path_bytes];
};
struct cont_pod {
  std::uint32_t state, next;
  char path[cont_path_bytes];
};
static_assert(sizeof(entry_pod) == sizeof(entry_slot) && offsetof(entry_pod, path) == offsetof(entry_slot, path),
              "mirror of entry_slot");
static_assert(sizeof(cont_pod) == sizeof(cont_slot), "mirror of cont_slot");

// A small fast hash (not cryptographic: it catches torn and corrupt slots, not forgeries).
struct hasher {
  std::uint64_t h = 0x243F6A8885A308D3ull;
  void word(std::uint64_t w) {
    h = (h ^ w) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 32;
  }
  void bytes(const char* p, std::size_t n) {
    for (; n >= 8; p += 8, n -= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      word(w);
    }
    std::uint64_t w = 0;
    std::memcpy(&w, p, n);
    word(w ^ (std::uint64_t(n) << 56));
  }
  std::uint32_t value() const { return static_cast<std::uint32_t>(h ^ (h >> 32)); }
};

std::uint32_t entry_checksum(const entry_data& e, std::string_view stored) {
  hasher k;
  k.word(std::uint64_t(e.type) | std::uint64_t(e.flags) << 8 | std::uint64_t(stored.size()) << 16);
  k.word(static_cast<std::uint64_t>(e.created_ns));
  k.word(e.id.dev);
  k.word(e.id.ino);
  k.word(static_cast<std::uint64_t>(e.id.btime_sec));
  k.word(e.id.btime_nsec | std::uint64_t(e.id.handle) << 32);
  k.bytes(stored.data(), stored.size());
  return k.value();
}

std::uint32_t owner_checksum(const block_owner& o, std::int64_t claimed_ns) {
  hasher k;
  k.word(o.pid);
  k.word(o.pid_namespace);
  k.word(o.instance);
  k.bytes(reinterpret_cast<const char*>(o.boot_id), sizeof o.boot_id);
  k.word(static_cast<std::uint64_t>(claimed_ns));
  return k.value() | 1u;  // never 0: a zeroed header never passes
}

// A continuation slot must be an entry slot of the head's own block (chains never leave a block:
// whoever frees one writes only into the block it owns or adopted).
bool valid_cont(const view& v, std::uint32_t head, std::uint32_t s) {
  return s < v.slots() && s % block_slots != 0 && block_of(s) == block_of(head) && s != head;
}

}  // namespace

std::uint32_t slots_for(std::size_t len) {
  return len <= head_path_bytes
             ? 1u
             : 1u + static_cast<std::uint32_t>((len - head_path_bytes + cont_path_bytes - 1) / cont_path_bytes);
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void init_header(header& h, std::uint32_t blocks) {
  std::memset(static_cast<void*>(&h), 0, sizeof h);
  h.version = version;
  h.slot_bytes = slot_bytes;
  h.block_slots = block_slots;
  h.claim_hint = 1;
  h.capacity.store(blocks, std::memory_order_relaxed);
  std::memcpy(h.magic, magic, sizeof magic);
}

std::uint32_t declared_version(const header& h) {
  return std::memcmp(h.magic, magic, sizeof magic) == 0 ? h.version : 0;
}

std::string header_problem(const header& h, std::uint64_t file_blocks) {
  if (std::memcmp(h.magic, magic, sizeof magic) != 0) return "it has no registry header";
  if (h.version != version) return "it declares version " + std::to_string(h.version);
  if (h.slot_bytes != slot_bytes || h.block_slots != block_slots) return "its slot geometry is foreign";
  const std::uint32_t cap = h.capacity.load(std::memory_order_acquire);
  // The file grows before the capacity is raised, both under the registry lock: they differ only
  // if a process died in between, or the header is broken.
  if (cap < 2 || cap != std::min<std::uint64_t>(file_blocks, max_blocks))
    return "its capacity (" + std::to_string(cap) + " blocks) does not match the file (" + std::to_string(file_blocks) +
           " blocks)";
  return {};
}

void claim_block(const view& v, std::uint32_t b, const block_owner& o, std::int64_t now_ns) {
  block_header& bh = v.block(b);
  bh.pid = o.pid;
  bh.pid_namespace = o.pid_namespace;
  bh.instance = o.instance;
  std::memcpy(bh.boot_id, o.boot_id, sizeof bh.boot_id);
  bh.claimed_ns = now_ns;
  bh.checksum = owner_checksum(o, now_ns);
  bh.state.store(block_owned, std::memory_order_release);
}

bool read_block_owner(const view& v, std::uint32_t b, block_owner& o) {
  const block_header& bh = v.block(b);
  if (bh.state.load(std::memory_order_acquire) != block_owned) return false;
  o.pid = bh.pid;
  o.pid_namespace = bh.pid_namespace;
  o.instance = bh.instance;
  std::memcpy(o.boot_id, bh.boot_id, sizeof o.boot_id);
  const std::int64_t claimed = bh.claimed_ns;
  return bh.checksum == owner_checksum(o, claimed);
}

void write_entry(const view& v, const std::uint32_t* slots, std::uint32_t n, const entry_data& e,
                 std::string_view stored) {
  std::size_t off = head_path_bytes;
  for (std::uint32_t k = 1; k < n; ++k) {
    cont_slot& c = v.cont(slots[k]);
    const std::size_t len = std::min<std::size_t>(cont_path_bytes, stored.size() - off);
    std::memcpy(c.path, stored.data() + off, len);
    off += len;
    c.next = k + 1 < n ? slots[k + 1] : 0;
    c.state.store(next_state(c.state.load(std::memory_order_relaxed), slot_cont), std::memory_order_release);
  }
  entry_slot& s = v.slot(slots[0]);
  s.next = n > 1 ? slots[1] : 0;
  s.type = e.type;
  s.flags = e.flags;
  s.path_len = static_cast<std::uint16_t>(stored.size());
  s.created_ns = e.created_ns;
  s.dev = e.id.dev;
  s.ino = e.id.ino;
  s.btime_sec = e.id.btime_sec;
  s.btime_nsec = e.id.btime_nsec;
  s.handle = e.id.handle;
  std::memcpy(s.path, stored.data(), std::min<std::size_t>(head_path_bytes, stored.size()));
  s.checksum = entry_checksum(e, stored);
  s.state.store(next_state(s.state.load(std::memory_order_relaxed), slot_live), std::memory_order_release);
}

namespace {

// The stored path of this process's entry at head, gathered on the stack (no allocation): stable,
// only this process writes it. Returns its length.
std::size_t gather_path(const view& v, std::uint32_t head, char (&path)[max_path]) noexcept {
  const entry_slot& s = v.slot(head);
  const std::size_t len = std::min<std::size_t>(s.path_len, max_path);
  std::size_t got = std::min<std::size_t>(len, head_path_bytes);
  std::memcpy(path, s.path, got);
  for (std::uint32_t next = s.next, k = 1; got < len && k < max_chain && valid_cont(v, head, next); ++k) {
    const cont_slot& c = v.cont(next);
    const std::size_t n = std::min<std::size_t>(cont_path_bytes, len - got);
    std::memcpy(path + got, c.path, n);
    got += n;
    next = c.next;
  }
  return got;
}

entry_data fields_of(const entry_slot& s) noexcept {
  entry_data e;
  e.type = s.type;
  e.flags = s.flags;
  e.created_ns = s.created_ns;
  e.id.dev = s.dev;
  e.id.ino = s.ino;
  e.id.btime_sec = s.btime_sec;
  e.id.btime_nsec = s.btime_nsec;
  e.id.handle = s.handle;
  return e;
}

}  // namespace

std::uint32_t rewrite_identity(const view& v, std::uint32_t head, const identity& id) noexcept {
  entry_slot& s = v.slot(head);
  char path[max_path];
  const std::size_t got = gather_path(v, head, path);
  entry_data e = fields_of(s);
  e.id = id;
  const std::uint32_t seen = s.state.load(std::memory_order_relaxed);
  s.state.exchange(next_state(seen, slot_free), std::memory_order_acq_rel);
  s.dev = id.dev;
  s.ino = id.ino;
  s.btime_sec = id.btime_sec;
  s.btime_nsec = id.btime_nsec;
  s.handle = id.handle;
  s.checksum = entry_checksum(e, std::string_view(path, got));
  const std::uint32_t live = next_state(next_state(seen, slot_free), slot_live);
  s.state.store(live, std::memory_order_release);
  return live;
}

std::uint32_t parked_chain(const view& v, std::uint32_t head, std::uint32_t* slots) noexcept {
  const entry_slot& s = v.slot(head);
  const std::uint32_t n = slots_for(std::min<std::size_t>(s.path_len, max_path));
  slots[0] = head;
  std::uint32_t got = 1;
  for (std::uint32_t next = s.next; got < n && valid_cont(v, head, next); next = v.cont(next).next)
    slots[got++] = next;
  return got;
}

std::uint32_t revive_entry(const view& v, std::uint32_t head, std::uint64_t kept, std::int64_t created_ns,
                          std::string_view abs_path, std::string_view root) noexcept {
  entry_slot& s = v.slot(head);
  const std::uint32_t seen = s.state.load(std::memory_order_relaxed);
  // The stored path: in the head slot itself when it fits (no copy), else gathered.
  const std::size_t len = s.path_len;  // read once: only this process should write it, but check
  char path[max_path];
  const bool in_head = len <= head_path_bytes;
  const std::size_t got = in_head ? len : gather_path(v, head, path);
  const std::string_view stored(in_head ? s.path : path, got);
  // Only a parked file entry that still names abs_path (relative to root, or absolute): slots
  // that anything else wrote into are not published again.
  const bool same = (s.flags & flag_relative)
                        ? abs_path.size() == root.size() + 1 + got && abs_path.substr(0, root.size()) == root &&
                              abs_path[root.size()] == '/' && abs_path.substr(root.size() + 1) == stored
                        : abs_path == stored;
  if ((seen & 3u) != slot_free || !same || got != len || s.type != static_cast<std::uint8_t>(entry_type::file) ||
      !(s.flags & flag_created))
    return 0;
  // Its chain, as the links in the slots now say: exactly the slots it kept, each free.
  std::uint32_t chain[max_chain];
  const std::uint32_t n = parked_chain(v, head, chain);
  std::uint64_t seen_slots = 0;
  for (std::uint32_t k = 0; k < n; ++k) {
    const std::uint64_t bit = std::uint64_t(1) << (chain[k] % block_slots);
    if (block_of(chain[k]) != block_of(head) || (seen_slots & bit) ||
        (k > 0 && (v.cont(chain[k]).state.load(std::memory_order_relaxed) & 3u) != slot_free))
      return 0;
    seen_slots |= bit;
  }
  if (seen_slots != kept) return 0;
  for (std::uint32_t k = 1; k < n; ++k) {  // continuations first: the head's store publishes them
    cont_slot& c = v.cont(chain[k]);
    c.state.store(next_state(c.state.load(std::memory_order_relaxed), slot_cont), std::memory_order_release);
  }
  s.created_ns = created_ns;
  s.checksum = entry_checksum(fields_of(s), stored);
  const std::uint32_t live = next_state(seen, slot_live);
  s.state.store(live, std::memory_order_release);
  return live;
}

std::uint32_t free_entry(const view& v, std::uint32_t head, std::uint32_t* freed) {
  entry_slot& s = v.slot(head);
  std::uint32_t next = s.next;
  // An acquire-release exchange: the slot's next contents cannot be written before it (a reader
  // that still sees the old state word must not read new fields).
  s.state.exchange(next_state(s.state.load(std::memory_order_relaxed), slot_free), std::memory_order_acq_rel);
  freed[0] = head;
  std::uint32_t n = 1;
  while (next != 0 && n < max_chain && valid_cont(v, head, next)) {
    cont_slot& c = v.cont(next);
    if ((c.state.load(std::memory_order_relaxed) & 3u) != slot_cont) break;
    freed[n++] = next;
    const std::uint32_t after = c.next;
    c.state.exchange(next_state(c.state.load(std::memory_order_relaxed), slot_free), std::memory_order_acq_rel);
    next = after;
  }
  return n;
}

read_result read_entry(const view& v, std::uint32_t head, entry_data& out, std::uint32_t* state) {
  entry_slot& s = v.slot(head);
  const std::uint32_t before = s.state.load(std::memory_order_acquire);
  if (state) *state = before;
  if ((before & 3u) != slot_live) return read_result::empty;
  entry_pod pod;
  std::memcpy(static_cast<void*>(&pod), static_cast<const void*>(&s), sizeof pod);
  const std::size_t len = pod.path_len;
  if (len == 0 || len > max_path || pod.type > 1) return read_result::broken;
  out.stored.assign(pod.path, std::min<std::size_t>(len, head_path_bytes));
  std::uint32_t next = pod.next;
  for (std::uint32_t k = 1; out.stored.size() < len; ++k) {
    if (k >= max_chain || !valid_cont(v, head, next)) return read_result::broken;
    cont_pod c;
    std::memcpy(static_cast<void*>(&c), static_cast<const void*>(&v.cont(next)), sizeof c);
    if ((c.state & 3u) != slot_cont) return read_result::broken;
    out.stored.append(c.path, std::min<std::size_t>(cont_path_bytes, len - out.stored.size()));
    next = c.next;
  }
  // The copies above must be done before the state is read again: an acquire-release read-modify-
  // write that changes nothing orders them (a fence would do the same; ThreadSanitizer has none).
  if (s.state.fetch_add(0, std::memory_order_acq_rel) != before)
    return read_result::broken;  // changed meanwhile
  out.type = pod.type;
  out.flags = pod.flags;
  out.created_ns = pod.created_ns;
  out.id.dev = pod.dev;
  out.id.ino = pod.ino;
  out.id.btime_sec = pod.btime_sec;
  out.id.btime_nsec = pod.btime_nsec;
  out.id.handle = pod.handle;
  return entry_checksum(out, out.stored) == pod.checksum ? read_result::ok : read_result::broken;
}

bool mark_swept(const view& v, std::uint32_t head, std::uint32_t seen) {
  if ((seen & 3u) != slot_live) return false;
  return v.slot(head).state.compare_exchange_strong(seen, next_state(seen, slot_swept), std::memory_order_acq_rel);
}

std::string path_problem(const entry_data& e, const std::string& root, const std::string& registry_dir) {
  const std::string& p = e.stored;
  if (p.empty()) return "an empty path";
  bool slash = false, nul = false;
  for (char c : p) {  // one pass: this runs for every entry a sweep reads
    slash = slash || c == '/';
    nul = nul || c == '\0';
  }
  if (nul) return "a path holding a NUL byte";
  if (e.flags & flag_relative) {
    if (slash) return "a relative path of more than one name";
    if (p[0] == '.' && (p.size() == 1 || (p.size() == 2 && p[1] == '.'))) return "a relative path \"" + p + "\"";
    // .tempfm-<uid>: a registry directory (any user's), never an entry to remove.
    if (p.size() > 8 && p.compare(0, 8, ".tempfm-") == 0 &&
        p.find_first_not_of("0123456789", 8) == std::string::npos)
      return "the registry's own directory";
    return {};
  }
  if (p[0] != '/') return "a path that is neither one name nor absolute";
  if (p == "/") return "the filesystem root";
  for (std::size_t i = 1; i <= p.size();) {
    const std::size_t j = std::min(p.find('/', i), p.size());
    const std::string part = p.substr(i, j - i);
    if (part.empty() || part == "." || part == "..") return "a path that is not normalised";
    i = j + 1;
  }
  if (p == root) return "the temp root itself";
  if (root.compare(0, p.size() + 1, p + "/") == 0) return "a directory that contains the temp root";
  if (p == registry_dir || p.compare(0, registry_dir.size() + 1, registry_dir + "/") == 0)
    return "the registry's own directory";
  return {};
}

std::vector<v1_entry> read_v1(const unsigned char* data, std::size_t size, const std::string& root) {
  // Version 1 (0.1.0): slot 0 a header, head slots {state u32 (1), next u32, pid u32, type u8,
  // flags u8 (bit 0 relative), path_len u16, start_time u64, boot_id[16], created_ns i64,
  // checksum u32 (FNV-1a), reserved u32, path[72]}, continuation slots {state u32 (2), next u32,
  // path[120]}.
  std::vector<v1_entry> out;
  const std::size_t cap = std::min<std::size_t>(size / slot_bytes, std::size_t(1) << 26);
  auto u32 = [&](std::size_t slot, std::size_t off) {
    std::uint32_t x;
    std::memcpy(&x, data + slot * slot_bytes + off, 4);
    return x;
  };
  auto fnv = [](const unsigned char* p, std::size_t n, std::uint32_t h) {
    for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 16777619u;
    return h;
  };
  for (std::size_t i = 1; i < cap; ++i) {
    const unsigned char* s = data + i * slot_bytes;
    if (u32(i, 0) != 1) continue;
    std::uint16_t len;
    std::memcpy(&len, s + 14, 2);
    if (len == 0 || len > max_path || s[12] > 1) continue;
    entry_data e;
    e.stored.assign(reinterpret_cast<const char*>(s) + 56, std::min<std::size_t>(len, head_path_bytes));
    std::uint32_t next = u32(i, 4);
    bool ok = true;
    for (std::uint32_t k = 1; ok && e.stored.size() < len; ++k) {
      ok = k < max_chain && next != 0 && next < cap && u32(next, 0) == 2;
      if (!ok) break;
      e.stored.append(reinterpret_cast<const char*>(data) + next * slot_bytes + 8,
                      std::min<std::size_t>(cont_path_bytes, len - e.stored.size()));
      next = u32(next, 4);
    }
    if (!ok || next != 0) continue;
    std::uint32_t c = fnv(s + 8, 4, 2166136261u);  // pid
    c = fnv(s + 12, 1, c);                           // type
    c = fnv(s + 13, 1, c);                           // flags
    c = fnv(s + 14, 2, c);                           // path_len
    c = fnv(s + 16, 8, c);                           // start_time
    c = fnv(s + 24, 16, c);                          // boot_id
    c = fnv(s + 40, 8, c);                           // created_ns
    c = fnv(reinterpret_cast<const unsigned char*>(e.stored.data()), e.stored.size(), c);
    if (c != u32(i, 48)) continue;
    e.type = s[12];
    std::memcpy(&e.created_ns, s + 40, 8);
    if (s[13] & 1) e.stored = root + "/" + e.stored;
    e.flags = 0;  // no identity was recorded: removed by path, as version 1 did
    v1_entry v;
    v.e = std::move(e);
    std::memcpy(&v.pid, s + 8, 4);
    std::memcpy(&v.start_time, s + 16, 8);
    std::memcpy(v.boot_id, s + 24, 16);
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace format
}  // namespace detail
}  // namespace boost_tempfm
