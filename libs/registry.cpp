// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
//
// The cross-process registry. Locking protocol (see doc/design.md, "Registry"):
//  - The named mutex (a POSIX semaphore) is the lock. After taking it, a process records itself
//    in the header (acquisitions++, holder_start, holder_pid); before giving it back it clears
//    holder_pid. A holder killed in between leaves the semaphore at 0 for ever.
//  - A waiter that times out (50 ms) looks at the holder. A live holder: wait on. A dead holder (or
//    no recorded holder for 2 s with no new acquisition): take the recovery lock, an open file
//    description lock on recover.lock that the kernel drops when its owner dies, so exactly one
//    process recovers at a time. Under it, if the header still names the same dead holder and no
//    acquisition happened since, the recoverer inherits the semaphore as it is (held), records
//    itself, repairs the slots and goes on as the holder. Anyone else finds a changed header and
//    goes back to waiting.
#include "detail/registry_impl.hpp"

#include "detail/errors.hpp"
#include "detail/log_impl.hpp"
#include "detail/process_identity.hpp"

#include <boost/date_time/posix_time/posix_time_types.hpp>
#include <boost/filesystem/operations.hpp>
#include <boost/interprocess/permissions.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>

namespace boost_tempfm {
namespace detail {

namespace fs = boost::filesystem;
namespace bip = boost::interprocess;

constexpr char magic[8] = {'T', 'E', 'M', 'P', 'F', 'M', 'R', '1'};
constexpr std::uint32_t format_version = 1;
constexpr std::uint32_t initial_slots = 64;
constexpr std::uint32_t max_path = 4096;
constexpr std::uint32_t max_slots = 1u << 26;  // 8 GiB of registry: refuse beyond

enum : std::uint32_t { slot_free = 0, slot_head = 1, slot_cont = 2 };

struct header {
  char magic[8];
  std::uint32_t version;
  std::uint32_t slot_size;
  std::atomic<std::uint32_t> capacity;  // slots, the header included
  std::uint32_t free_head;              // 0: none
  std::uint32_t live;                   // head slots in use
  std::atomic<std::uint32_t> holder_pid;
  std::atomic<std::uint64_t> holder_start;
  std::atomic<std::uint64_t> acquisitions;
  std::uint64_t recoveries;
};

struct head_slot {
  std::atomic<std::uint32_t> state;
  std::uint32_t next;  // first continuation slot, 0: none
  std::uint32_t pid;
  std::uint8_t type;
  std::uint8_t flags;  // bit 0: the path is relative to the root
  std::uint16_t path_len;
  std::uint64_t start_time;
  std::uint8_t boot_id[16];
  std::int64_t created_ns;
  std::uint32_t checksum;
  std::uint32_t reserved;
  char path[head_path_bytes];
};

struct cont_slot {
  std::atomic<std::uint32_t> state;
  std::uint32_t next;
  char path[cont_path_bytes];
};

static_assert(sizeof(header) <= slot_bytes, "header fits a slot");
static_assert(sizeof(head_slot) == slot_bytes, "head slot layout");
static_assert(sizeof(cont_slot) == slot_bytes, "continuation slot layout");
static_assert(std::atomic<std::uint32_t>::is_always_lock_free && std::atomic<std::uint64_t>::is_always_lock_free,
              "lock-free atomics are address-free, so they work in shared memory");

namespace {

std::uint32_t fnv1a(const void* data, std::size_t n, std::uint32_t h = 2166136261u) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 16777619u;
  return h;
}

std::uint64_t fnv1a64(const std::string& s) {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

std::uint32_t entry_checksum(const head_slot& h, const std::string& stored_path) {
  std::uint32_t c = fnv1a(&h.pid, sizeof h.pid);
  c = fnv1a(&h.type, sizeof h.type, c);
  c = fnv1a(&h.flags, sizeof h.flags, c);
  c = fnv1a(&h.path_len, sizeof h.path_len, c);
  c = fnv1a(&h.start_time, sizeof h.start_time, c);
  c = fnv1a(h.boot_id, sizeof h.boot_id, c);
  c = fnv1a(&h.created_ns, sizeof h.created_ns, c);
  return fnv1a(stored_path.data(), stored_path.size(), c);
}

std::uint32_t chain_slots(std::size_t len) {
  return len <= head_path_bytes
             ? 1u
             : 1u + static_cast<std::uint32_t>((len - head_path_bytes + cont_path_bytes - 1) / cont_path_bytes);
}

// Filesystems where a per-host named mutex cannot guard a shared file.
const char* network_fs_name(const fs::path& root) {
  struct statfs st;
  if (::statfs(root.c_str(), &st) != 0) return nullptr;
  switch (static_cast<unsigned long>(st.f_type)) {
    case 0x6969ul: return "NFS";
    case 0x517Bul: return "SMB";
    case 0xFF534D42ul: return "CIFS";
    case 0xFE534D42ul: return "SMB2";
    case 0x65735546ul: return "FUSE";
    case 0x564c7fd5ul: return "Ceph";
    case 0x47504653ul: return "GPFS";
    default: return nullptr;
  }
}

// A directory or file of the registry must be ours and closed to others: refuse anything else.
void check_private(const fs::path& p, const struct stat& st, bool want_dir) {
  if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
    throw_errno(std::string("refusing the registry: not a ") + (want_dir ? "directory" : "regular file"), p,
                want_dir ? ENOTDIR : EINVAL);
  if (st.st_uid != ::geteuid())
    throw_errno("refusing the registry: owned by uid " + std::to_string(st.st_uid), p, EPERM);
  if ((st.st_mode & 077) != 0) throw_errno("refusing the registry: open to other users", p, EPERM);
}

std::mutex& cache_mutex() {
  static std::mutex* m = new std::mutex;
  return *m;
}
std::map<std::string, std::weak_ptr<registry>>& cache() {
  static auto* c = new std::map<std::string, std::weak_ptr<registry>>;
  return *c;
}

bool read_chain(unsigned char* map, std::uint32_t cap, std::uint32_t i, std::string& out,
                std::vector<std::uint32_t>* chain);

std::string sem_name_for(const fs::path& root) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "tempfm-%u-%016llx", static_cast<unsigned>(::geteuid()),
                static_cast<unsigned long long>(fnv1a64(root.native())));
  return buf;
}

}  // namespace

// Holds the in-process mutex and the named mutex, with the mapping current.
class registry::guard {
 public:
  explicit guard(registry& r) : r_(r), lk_(r.mu_) {
    r_.acquire();
    try {
      r_.map_current();
      r_.note_holder();
      if (r_.needs_repair_) {
        r_.needs_repair_ = false;
        r_.repair();
      }
    } catch (...) {
      r_.release();
      throw;
    }
  }
  ~guard() { r_.release(); }
  guard(const guard&) = delete;
  guard& operator=(const guard&) = delete;

 private:
  registry& r_;
  std::lock_guard<std::mutex> lk_;
};

#define TEMPFM_HDR (reinterpret_cast<header*>(map_))
#define TEMPFM_HEAD(i) (reinterpret_cast<head_slot*>(map_ + std::size_t(i) * slot_bytes))
#define TEMPFM_CONT(i) (reinterpret_cast<cont_slot*>(map_ + std::size_t(i) * slot_bytes))

registry::registry(fs::path root, fs::path dir, int fd, std::string sem_name)
    : root_(std::move(root)), dir_(std::move(dir)), fd_(fd), sem_name_(std::move(sem_name)) {}

registry::~registry() {
  if (map_) ::munmap(map_, std::size_t(mapped_slots_) * slot_bytes);
  if (fd_ >= 0) ::close(fd_);
}

fs::path registry_dir_of(const fs::path& root) { return root / (".tempfm-" + std::to_string(::geteuid())); }

std::shared_ptr<registry> registry::open_existing(const fs::path& root) {
  struct stat st;
  boost::system::error_code ec;
  const fs::path canon = fs::canonical(root, ec);
  if (ec || ::lstat((registry_dir_of(canon) / "registry").c_str(), &st) != 0) return nullptr;
  return open(canon);
}

std::shared_ptr<registry> registry::open(const fs::path& given_root) {
  // One registry per real directory: its lock's name and the cache key come from the canonical
  // path, whatever spelling the caller used.
  boost::system::error_code cec;
  const fs::path root = fs::canonical(given_root, cec);
  if (cec) throw_error("cannot resolve the temp root", given_root, cec);
  std::lock_guard<std::mutex> cg(cache_mutex());
  auto it = cache().find(root.native());
  if (it != cache().end()) {
    if (std::shared_ptr<registry> r = it->second.lock()) return r;
  }
  if (const char* net = network_fs_name(root))
    throw_errno(std::string("refusing a temp root on ") + net +
                    ": the registry's named mutex only excludes processes of one host",
                root, ENOTSUP);
  const fs::path dir = registry_dir_of(root);
  if (::mkdir(dir.c_str(), S_IRWXU) != 0 && errno != EEXIST) throw_errno("cannot create the registry", dir, errno);
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) throw_errno("cannot inspect the registry", dir, errno);
  check_private(dir, st, true);
  const fs::path file = dir / "registry";
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0) throw_errno("cannot open the registry", file, errno);
  std::shared_ptr<registry> r(new registry(root, dir, fd, sem_name_for(root)));
  if (::fstat(fd, &st) != 0) throw_errno("cannot inspect the registry", file, errno);
  check_private(file, st, false);
  // recover.lock is opened anew by each recovery (recover_from): a descriptor kept open would be
  // shared with forked children, and an OFD lock does not exclude holders of one description.
  const fs::path lock_file = dir / "recover.lock";
  int lfd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (lfd < 0) throw_errno("cannot open the registry's recovery lock", lock_file, errno);
  const int serr = ::fstat(lfd, &st) == 0 ? 0 : errno;
  ::close(lfd);
  if (serr) throw_errno("cannot inspect the registry's recovery lock", lock_file, serr);
  check_private(lock_file, st, false);
  try {
    r->sem_.reset(new bip::named_mutex(bip::open_or_create, r->sem_name_.c_str(), bip::permissions(0600)));
  } catch (const bip::interprocess_exception& e) {
    throw_errno(std::string("cannot open the registry's named mutex ") + r->sem_name_ + ": " + e.what(), root,
                e.get_native_error() ? e.get_native_error() : EIO);
  }
  // open_or_create ignores the permissions of an existing semaphore: check it is ours alone.
  const fs::path sem_file = fs::path("/dev/shm") / ("sem." + r->sem_name_);
  if (::lstat(sem_file.c_str(), &st) == 0) check_private(sem_file, st, false);

  r->with_lock([&] {
    // map_current() initialised an empty file, or rebuilt a broken one. A free list that leaves the
    // file, loops or hands out a used slot is rebuilt by a scan.
    if (!r->free_list_ok()) {
      r->repair();
      log_message(log_level::warning, "boost_tempfm: repaired the free list of " + (dir / "registry").string());
    }
  });
  cache()[root.native()] = r;
  return r;
}

void registry::note_holder() noexcept {
  if (!map_) return;
  const owner_id self = current_process();
  header* h = TEMPFM_HDR;
  if (h->holder_pid.load(std::memory_order_relaxed) == self.pid &&
      h->holder_start.load(std::memory_order_relaxed) == self.start_time)
    return;
  h->acquisitions.fetch_add(1, std::memory_order_relaxed);
  h->holder_start.store(self.start_time, std::memory_order_relaxed);
  h->holder_pid.store(self.pid, std::memory_order_release);
}

void registry::acquire() {
  if (sem_->try_lock()) {
    note_holder();
    return;
  }
  using clock = std::chrono::steady_clock;
  clock::time_point unknown_since{};
  std::uint64_t unknown_acq = 0;
  for (;;) {
    if (sem_->timed_lock(boost::posix_time::microsec_clock::universal_time() +
                         boost::posix_time::milliseconds(50))) {
      note_holder();
      return;
    }
    if (!map_) map_header();  // first use in this process: read the holder record
    std::uint64_t acq = 0;
    std::uint32_t pid = 0;
    std::uint64_t start = 0;
    if (map_) {
      header* h = TEMPFM_HDR;
      acq = h->acquisitions.load(std::memory_order_acquire);
      pid = h->holder_pid.load(std::memory_order_acquire);
      start = h->holder_start.load(std::memory_order_acquire);
    }
    if (pid != 0) {
      owner_id o;
      o.pid = pid;
      o.start_time = start;
      o.boot_id = boot_id();
      unknown_since = clock::time_point{};
      if (is_alive(o)) continue;
    } else {
      // Taken, but nobody recorded: a holder killed right after taking it or right after
      // clearing its record. Give a live one plenty of time to record itself.
      const clock::time_point now = clock::now();
      if (unknown_since == clock::time_point{} || acq != unknown_acq) {
        unknown_since = now;
        unknown_acq = acq;
        continue;
      }
      if (now - unknown_since < std::chrono::seconds(2)) continue;
    }
    if (recover_from(pid, start, acq)) return;
  }
}

bool registry::header_is_blank() noexcept {
  char buf[sizeof(header)];
  const ssize_t n = ::pread(fd_, buf, sizeof buf, 0);
  if (n != ssize_t(sizeof buf)) return false;
  for (char c : buf)
    if (c != 0) return false;
  return true;
}

void registry::map_header() noexcept {
  struct stat st;
  if (map_ || ::fstat(fd_, &st) != 0 || st.st_size < off_t(slot_bytes)) return;
  void* m = ::mmap(nullptr, slot_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (m == MAP_FAILED) return;
  map_ = static_cast<unsigned char*>(m);
  mapped_slots_ = 1;
}

bool registry::recover_from(std::uint32_t dead_pid, std::uint64_t dead_start, std::uint64_t seen_acq) {
  const int lock_fd =
      ::open((dir_ / "recover.lock").c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (lock_fd < 0) return false;  // cannot arbitrate: keep waiting on the semaphore
  struct flock fl;
  std::memset(&fl, 0, sizeof fl);
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  while (::fcntl(lock_fd, F_OFD_SETLKW, &fl) != 0) {
    if (errno != EINTR) {
      ::close(lock_fd);
      return false;
    }
  }
  if (!map_) map_header();
  header* h = map_ ? TEMPFM_HDR : nullptr;
  const owner_id self = current_process();
  bool inherited = false, holding = false;
  if (!h) {
    // No header yet: the holder died while creating the registry. Initialise it before letting
    // go of the recovery lock, so that no later recoverer finds it missing too.
    holding = true;
    if (!sem_->try_lock()) inherited = true;
    try {
      map_current();
      note_holder();
    } catch (...) {
      // The guard tries again and reports the error.
    }
  } else if (h->holder_pid.load() == dead_pid && h->holder_start.load() == dead_start &&
             h->acquisitions.load() == seen_acq) {
    holding = true;
    if (!sem_->try_lock()) inherited = true;  // still held by the dead: it is ours now
    h->acquisitions.fetch_add(1);
    h->holder_start.store(self.start_time);
    h->holder_pid.store(self.pid);
    if (inherited) {
      ++h->recoveries;
      needs_repair_ = true;  // done by the guard once the mapping is current
    }
  }
  ::close(lock_fd);  // drops the OFD lock
  if (inherited)
    log_message(log_level::warning, "boost_tempfm: recovered the registry lock of " + root_.string() +
                                        " from dead process " + std::to_string(dead_pid));
  return holding;
}

void registry::release() noexcept {
  if (map_) TEMPFM_HDR->holder_pid.store(0, std::memory_order_release);
  sem_->unlock();
}

void registry::map_current() {
  // The common case costs no syscall: the mapping already covers what the header says.
  if (map_ && mapped_slots_ > 1 && TEMPFM_HDR->capacity.load(std::memory_order_acquire) == mapped_slots_) return;
  struct stat st;
  if (::fstat(fd_, &st) != 0) throw_errno("cannot inspect the registry", dir_ / "registry", errno);
  if (st.st_size > 0 && st.st_size < off_t(slot_bytes)) {
    // Shorter than a header: a creator died before sizing it. Start again.
    if (::ftruncate(fd_, 0) != 0) throw_errno("cannot reset the registry", dir_ / "registry", errno);
    st.st_size = 0;
  }
  if (st.st_size >= off_t(slot_bytes) && header_is_blank()) {
    // Sized but never written (its creator died before the magic): start again.
    if (map_) {
      ::munmap(map_, std::size_t(mapped_slots_) * slot_bytes);
      map_ = nullptr;
      mapped_slots_ = 0;
    }
    if (::ftruncate(fd_, 0) != 0) throw_errno("cannot reset the registry", dir_ / "registry", errno);
    st.st_size = 0;
  }
  if (st.st_size == 0) {
    initialise();
    return;
  }
  if (st.st_size < off_t(slot_bytes))
    throw_errno("the registry is truncated (" + std::to_string(st.st_size) + " bytes)", dir_ / "registry", EIO);
  if (!map_) {
    void* m = ::mmap(nullptr, slot_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (m == MAP_FAILED) throw_errno("cannot map the registry", dir_ / "registry", errno);
    map_ = static_cast<unsigned char*>(m);
    mapped_slots_ = 1;
  }
  header* h = TEMPFM_HDR;
  if (std::memcmp(h->magic, magic, sizeof magic) != 0 || h->version != format_version || h->slot_size != slot_bytes) {
    rebuild("it has an unknown format or version", st.st_size);
    return;
  }
  const std::uint32_t cap = h->capacity.load();
  if (cap < 2 || cap > max_slots || off_t(cap) * slot_bytes > st.st_size) {
    rebuild("its capacity (" + std::to_string(cap) + " slots) does not fit its size (" +
                std::to_string(st.st_size) + " bytes)",
            st.st_size);
    return;
  }
  void* m = ::mmap(nullptr, std::size_t(cap) * slot_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (m == MAP_FAILED) throw_errno("cannot map the registry", dir_ / "registry", errno);
  ::munmap(map_, std::size_t(mapped_slots_) * slot_bytes);
  map_ = static_cast<unsigned char*>(m);
  mapped_slots_ = cap;
}

void registry::initialise() {
  const off_t size = off_t(initial_slots) * slot_bytes;
  if (int err = ::posix_fallocate(fd_, 0, size)) throw_errno("cannot size the registry", dir_ / "registry", err);
  void* m = ::mmap(nullptr, std::size_t(size), PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (m == MAP_FAILED) throw_errno("cannot map the registry", dir_ / "registry", errno);
  if (map_) ::munmap(map_, std::size_t(mapped_slots_) * slot_bytes);
  map_ = static_cast<unsigned char*>(m);
  mapped_slots_ = initial_slots;
  header* h = TEMPFM_HDR;
  std::memset(static_cast<void*>(h), 0, slot_bytes);
  h->version = format_version;
  h->slot_size = slot_bytes;
  h->live = 0;
  h->recoveries = 0;
  h->capacity.store(initial_slots);
  h->free_head = 0;
  push_free_range(1, initial_slots);
  std::memcpy(h->magic, magic, sizeof magic);
  h->holder_start.store(current_process().start_time);
  h->holder_pid.store(current_process().pid);
}

void registry::rebuild(const std::string& why, off_t size) {
  // Salvage every entry whose chain and checksum are intact, reading the file as slots whatever
  // its header says; then start a new registry holding just those.
  struct salvaged {
    std::string stored;
    entry_proto proto;
  };
  std::vector<salvaged> keep;
  const off_t limit = std::min<off_t>(size, off_t(max_slots) * slot_bytes);
  std::vector<unsigned char> buf;
  try {
    buf.resize(std::size_t(limit / slot_bytes) * slot_bytes);
    std::size_t got = 0;
    while (got < buf.size()) {
      const ssize_t n = ::pread(fd_, buf.data() + got, buf.size() - got, off_t(got));
      if (n <= 0) break;
      got += std::size_t(n);
    }
    buf.resize(got / slot_bytes * slot_bytes);
    const std::uint32_t cap = std::uint32_t(buf.size() / slot_bytes);
    std::string path;
    for (std::uint32_t i = 1; i < cap; ++i) {
      const head_slot* hs = reinterpret_cast<const head_slot*>(buf.data() + std::size_t(i) * slot_bytes);
      if (hs->state.load(std::memory_order_relaxed) != slot_head || hs->path_len == 0) continue;
      if (!read_chain(buf.data(), cap, i, path, nullptr)) continue;
      salvaged sv{path, entry_proto{}};
      sv.proto.pid = hs->pid;
      sv.proto.type = hs->type;
      sv.proto.flags = hs->flags;
      sv.proto.start_time = hs->start_time;
      std::memcpy(sv.proto.boot_id, hs->boot_id, 16);
      sv.proto.created_ns = hs->created_ns;
      keep.push_back(std::move(sv));
    }
  } catch (const std::bad_alloc&) {
    keep.clear();
  }
  if (map_) {
    ::munmap(map_, std::size_t(mapped_slots_) * slot_bytes);
    map_ = nullptr;
    mapped_slots_ = 0;
  }
  if (::ftruncate(fd_, 0) != 0) throw_errno("cannot reset the broken registry", dir_ / "registry", errno);
  initialise();
  for (const salvaged& sv : keep) {
    try {
      place(sv.stored, sv.proto);
    } catch (...) {
      break;  // no room: what was placed stays
    }
  }
  log_message(log_level::warning, "boost_tempfm: the registry " + (dir_ / "registry").string() + " was broken (" +
                                      why + "); rebuilt with the " + std::to_string(keep.size()) +
                                      " intact entries found in it");
}

bool registry::free_list_ok() noexcept {
  try {
    std::vector<bool> seen(mapped_slots_, false);
    std::uint32_t i = TEMPFM_HDR->free_head;
    while (i != 0) {
      if (i >= mapped_slots_ || seen[i] || TEMPFM_CONT(i)->state.load(std::memory_order_relaxed) != slot_free)
        return false;
      seen[i] = true;
      i = TEMPFM_CONT(i)->next;
    }
    return true;
  } catch (...) {
    return false;
  }
}

void registry::grow() {
  header* h = TEMPFM_HDR;
  const std::uint32_t cap = h->capacity.load();
  if (cap >= max_slots) throw_errno("the registry is full", dir_ / "registry", ENOSPC);
  const std::uint32_t ncap = cap * 2 > max_slots ? max_slots : cap * 2;
  // Allocate the blocks now: a write into a hole of a full tmpfs would be SIGBUS, not an error.
  if (int err = ::posix_fallocate(fd_, off_t(cap) * slot_bytes, off_t(ncap - cap) * slot_bytes))
    throw_errno("cannot grow the registry", dir_ / "registry", err);
  void* m = ::mmap(nullptr, std::size_t(ncap) * slot_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (m == MAP_FAILED) throw_errno("cannot map the registry", dir_ / "registry", errno);
  ::munmap(map_, std::size_t(mapped_slots_) * slot_bytes);
  map_ = static_cast<unsigned char*>(m);
  mapped_slots_ = ncap;
  h = TEMPFM_HDR;
  push_free_range(cap, ncap);
  h->capacity.store(ncap, std::memory_order_release);
}

void registry::push_free_range(std::uint32_t first, std::uint32_t last) noexcept {
  header* h = TEMPFM_HDR;
  for (std::uint32_t i = last; i-- > first;) {  // so that the lowest slot is handed out first
    TEMPFM_CONT(i)->state.store(slot_free, std::memory_order_relaxed);
    TEMPFM_CONT(i)->next = h->free_head;
    h->free_head = i;
  }
}

void registry::shrink() noexcept {
  // Only when no slot is in use (the live count is a hint: check).
  for (std::uint32_t i = 1; i < mapped_slots_; ++i)
    if (TEMPFM_CONT(i)->state.load(std::memory_order_relaxed) != slot_free) return;
  header* h = TEMPFM_HDR;
  // The header first: a process killed before the truncation leaves a file larger than its
  // capacity, which is harmless; the other order would leave a capacity beyond the file.
  h->free_head = 0;
  push_free_range(1, initial_slots);
  h->capacity.store(initial_slots, std::memory_order_release);
  void* m = ::mmap(nullptr, std::size_t(initial_slots) * slot_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (m == MAP_FAILED) return;  // keep the old mapping; map_current() remaps at the next lock
  ::munmap(map_, std::size_t(mapped_slots_) * slot_bytes);
  map_ = static_cast<unsigned char*>(m);
  mapped_slots_ = initial_slots;
  (void)::ftruncate(fd_, off_t(initial_slots) * slot_bytes);
}

std::uint32_t registry::pop_free() {
  header* h = TEMPFM_HDR;
  if (h->free_head == 0 || h->free_head >= mapped_slots_) {
    if (h->free_head >= mapped_slots_) repair();  // a broken list: rebuild it
    if (h->free_head == 0) grow();
    h = TEMPFM_HDR;
  }
  const std::uint32_t i = h->free_head;
  const std::uint32_t next = TEMPFM_CONT(i)->next;
  h->free_head = next < mapped_slots_ ? next : 0;
  return i;
}

void registry::free_chain(std::uint32_t i) noexcept {
  header* h = TEMPFM_HDR;
  head_slot* hs = TEMPFM_HEAD(i);
  std::uint32_t next = hs->next;
  hs->state.store(slot_free, std::memory_order_release);  // the entry is gone from here on
  hs->next = h->free_head;
  h->free_head = i;
  if (h->live) --h->live;
  for (std::uint32_t n = 0; next != 0 && next < mapped_slots_ && n < max_path / cont_path_bytes + 2; ++n) {
    cont_slot* c = TEMPFM_CONT(next);
    if (c->state.load(std::memory_order_relaxed) != slot_cont) break;
    const std::uint32_t after = c->next;
    c->state.store(slot_free, std::memory_order_relaxed);
    c->next = h->free_head;
    h->free_head = next;
    next = after;
  }
}

registry_ref registry::add(const std::string& abs_path, entry_type type) {
  const std::string rootp = root_.native() + "/";
  const bool rel = abs_path.compare(0, rootp.size(), rootp) == 0;
  const std::string stored = rel ? abs_path.substr(rootp.size()) : abs_path;
  if (stored.size() > max_path) throw_errno("path too long for the registry", abs_path, ENAMETOOLONG);
  const owner_id self = current_process();
  entry_proto h{};
  h.pid = self.pid;
  h.type = static_cast<std::uint8_t>(type);
  h.flags = rel ? 1 : 0;
  h.start_time = self.start_time;
  std::memcpy(h.boot_id, self.boot_id.data(), 16);
  h.created_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  guard g(*this);
  const std::uint32_t slot = place(stored, h);
  return registry_ref{slot, TEMPFM_HEAD(slot)->checksum};
}

std::uint32_t registry::place(const std::string& stored, const entry_proto& proto) {
  const std::uint32_t need = chain_slots(stored.size());
  std::uint32_t slots[max_path / cont_path_bytes + 2];
  std::uint32_t got = 0;
  try {
    for (; got < need; ++got) slots[got] = pop_free();
  } catch (...) {
    header* h = TEMPFM_HDR;
    for (std::uint32_t k = 0; k < got; ++k) {
      TEMPFM_CONT(slots[k])->next = h->free_head;
      h->free_head = slots[k];
    }
    throw;
  }
  // Continuations first, then the head; its state store publishes the entry.
  std::size_t off = head_path_bytes;
  for (std::uint32_t k = 1; k < need; ++k) {
    cont_slot* c = TEMPFM_CONT(slots[k]);
    const std::size_t n = std::min<std::size_t>(cont_path_bytes, stored.size() - off);
    std::memcpy(c->path, stored.data() + off, n);
    off += n;
    c->next = k + 1 < need ? slots[k + 1] : 0;
    c->state.store(slot_cont, std::memory_order_release);
  }
  head_slot* hs = TEMPFM_HEAD(slots[0]);
  hs->next = need > 1 ? slots[1] : 0;
  hs->pid = proto.pid;
  hs->type = proto.type;
  hs->flags = proto.flags;
  hs->path_len = static_cast<std::uint16_t>(stored.size());
  hs->start_time = proto.start_time;
  std::memcpy(hs->boot_id, proto.boot_id, 16);
  hs->created_ns = proto.created_ns;
  hs->reserved = 0;
  std::memcpy(hs->path, stored.data(), std::min<std::size_t>(head_path_bytes, stored.size()));
  hs->checksum = entry_checksum(*hs, stored);
  hs->state.store(slot_head, std::memory_order_release);
  ++TEMPFM_HDR->live;
  return slots[0];
}

void registry::remove(const registry_ref& ref) noexcept { remove_all(std::vector<registry_ref>{ref}); }

void registry::remove_all(const std::vector<registry_ref>& refs) noexcept {
  try {
    guard g(*this);
    for (const registry_ref& r : refs) {
      if (r.slot == 0 || r.slot >= mapped_slots_) continue;
      head_slot* hs = TEMPFM_HEAD(r.slot);
      if (hs->state.load(std::memory_order_acquire) == slot_head && hs->checksum == r.checksum) free_chain(r.slot);
    }
    if (TEMPFM_HDR->live == 0 && mapped_slots_ > initial_slots) shrink();
  } catch (...) {
    // The registry is unusable (it was removed or broken under us): the entries go with it.
  }
}

namespace {
// Reads the stored path of head i; false if the chain is broken.
bool read_chain(unsigned char* map, std::uint32_t cap, std::uint32_t i, std::string& out,
                std::vector<std::uint32_t>* chain) {
  const head_slot* hs = reinterpret_cast<const head_slot*>(map + std::size_t(i) * slot_bytes);
  const std::size_t len = hs->path_len;
  out.assign(hs->path, std::min<std::size_t>(len, head_path_bytes));
  std::uint32_t next = hs->next;
  if (chain) chain->assign(1, i);
  while (out.size() < len) {
    if (next == 0 || next >= cap) return false;
    const cont_slot* c = reinterpret_cast<const cont_slot*>(map + std::size_t(next) * slot_bytes);
    if (c->state.load(std::memory_order_acquire) != slot_cont) return false;
    out.append(c->path, std::min<std::size_t>(cont_path_bytes, len - out.size()));
    if (chain) chain->push_back(next);
    next = c->next;
  }
  return next == 0 && entry_checksum(*hs, out) == hs->checksum;
}
}  // namespace

void registry::repair() noexcept {
  try {
    header* h = TEMPFM_HDR;
    const std::uint32_t cap = mapped_slots_;
    std::vector<bool> used(cap, false);
    std::string path;
    std::vector<std::uint32_t> chain;
    std::uint32_t live = 0, dropped = 0;
    for (std::uint32_t i = 1; i < cap; ++i) {
      head_slot* hs = TEMPFM_HEAD(i);
      if (hs->state.load() != slot_head) continue;
      bool ok = read_chain(map_, cap, i, path, &chain);
      for (std::uint32_t c : chain) ok = ok && !used[c];
      if (!ok) {
        hs->state.store(slot_free);
        ++dropped;
        continue;
      }
      for (std::uint32_t c : chain) used[c] = true;
      ++live;
    }
    h->free_head = 0;
    for (std::uint32_t i = cap - 1; i >= 1; --i) {
      if (used[i]) continue;
      TEMPFM_CONT(i)->state.store(slot_free);
      TEMPFM_CONT(i)->next = h->free_head;
      h->free_head = i;
    }
    h->live = live;
    if (dropped)
      log_message(log_level::warning, "boost_tempfm: dropped " + std::to_string(dropped) +
                                          " broken registry entries of " + root_.string());
  } catch (...) {
  }
}

std::vector<raw_entry> registry::entries() {
  std::vector<raw_entry> out;
  guard g(*this);
  out.reserve(std::min(TEMPFM_HDR->live, mapped_slots_));  // the count is only a hint
  std::string path;
  const std::string rootp = root_.native() + "/";
  for (std::uint32_t i = 1; i < mapped_slots_; ++i) {
    const head_slot* hs = TEMPFM_HEAD(i);
    if (hs->state.load(std::memory_order_acquire) != slot_head) continue;
    if (!read_chain(map_, mapped_slots_, i, path, nullptr)) continue;
    raw_entry e;
    e.slot = i;
    e.checksum = hs->checksum;
    e.path = (hs->flags & 1) ? rootp + path : path;
    e.type = hs->type == 1 ? entry_type::directory : entry_type::file;
    e.created_ns = hs->created_ns;
    e.owner.pid = hs->pid;
    e.owner.start_time = hs->start_time;
    std::memcpy(e.owner.boot_id.data(), hs->boot_id, 16);
    out.push_back(std::move(e));
  }
  return out;
}

void registry::with_lock(const std::function<void()>& f) {
  guard g(*this);
  f();
}

std::uint64_t registry::file_bytes() {
  guard g(*this);
  return std::uint64_t(mapped_slots_) * slot_bytes;
}

std::uint64_t registry::recoveries() {
  guard g(*this);
  return TEMPFM_HDR->recoveries;
}

namespace {
// The registries locked around fork(), kept alive until they are unlocked.
std::vector<std::shared_ptr<registry>>& forking() {
  static auto* v = new std::vector<std::shared_ptr<registry>>;
  return *v;
}
}  // namespace

void lock_registries() {
  cache_mutex().lock();
  for (auto& kv : cache()) {
    if (std::shared_ptr<registry> r = kv.second.lock()) {
      r->lock_local();
      forking().push_back(std::move(r));
    }
  }
}

void unlock_registries() {
  for (auto it = forking().rbegin(); it != forking().rend(); ++it) (*it)->unlock_local();
  forking().clear();
  cache_mutex().unlock();
}

#undef TEMPFM_HDR
#undef TEMPFM_HEAD
#undef TEMPFM_CONT

}  // namespace detail

boost::filesystem::path registry_dir(const boost::filesystem::path& root) { return detail::registry_dir_of(root); }

}  // namespace boost_tempfm
