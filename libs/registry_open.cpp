// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
//
// Opening a root's registry: the private directory and its two files, checked on the objects
// themselves; the header checked (and initialised, repaired in place or migrated from version 1)
// under the registry lock; one open registry per root and process; the fork handlers.
#include "detail/registry_impl.hpp"

#include "detail/byte_lock.hpp"
#include "detail/errors.hpp"
#include "detail/log_impl.hpp"
#include "detail/process_identity.hpp"
#include "detail/root.hpp"
#include "platform/platform.hpp"

#include <boost/filesystem/operations.hpp>


#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <map>

namespace boost_tempfm {
namespace detail {

namespace fs = boost::filesystem;
using namespace format;

namespace {

// A directory or file of the registry must be ours and closed to others: refuse anything else.
void check_private(const fs::path& p, const platform::file_status& st, bool want_dir) {
  if (want_dir ? !st.is_dir : !st.is_regular)
    throw_errno(std::string("refusing the registry: not a ") + (want_dir ? "directory" : "regular file"), p,
                want_dir ? ENOTDIR : EINVAL);
  if (st.owner != platform::user_id())
    throw_errno("refusing the registry: owned by uid " + std::to_string(st.owner), p, EPERM);
  if ((st.mode & 077) != 0) throw_errno("refusing the registry: open to other users", p, EPERM);
}

// Opens (creating) a file of the registry directory, and checks the object opened.
platform::handle open_private(platform::handle dir_fd, const char* name, const fs::path& dir) {
  const fs::path file = dir / name;
  const fs::path leaf(name);
  platform::handle fd = platform::no_handle;
  if (int err = platform::open_or_create_file(dir_fd, leaf.c_str(), 0600, fd))
    throw_errno(err == ELOOP ? "refusing the registry: a symlink" : "cannot open the registry", file, err);
  platform::file_status st;
  if (int err = platform::status_of(fd, st)) {
    (void)platform::close(fd);
    throw_errno("cannot inspect the registry", file, err);
  }
  try {
    check_private(file, st, false);
  } catch (...) {
    (void)platform::close(fd);
    throw;
  }
  return fd;
}

struct fd_closer {
  platform::handle fd;
  ~fd_closer() { (void)platform::close(fd); }
};

// Open registries by canonical root. An entry stays until its registry is destroyed (under this
// mutex): a second registry of the same root in one process would open `locks` a second time, and
// closing either descriptor drops every POSIX lock the process holds on the file.
std::mutex& cache_mutex() {
  static std::mutex* m = new std::mutex;
  return *m;
}
std::condition_variable& cache_cv() {
  static std::condition_variable* c = new std::condition_variable;
  return *c;
}
std::map<std::string, std::weak_ptr<registry>>& cache() {
  static auto* c = new std::map<std::string, std::weak_ptr<registry>>;
  return *c;
}

struct registry_deleter {
  void operator()(registry* r) const noexcept {
    {
      std::lock_guard<std::mutex> g(cache_mutex());
      auto it = cache().find(r->key);
      if (it != cache().end() && it->second.expired()) cache().erase(it);
      delete r;
    }
    cache_cv().notify_all();
  }
};

std::uint64_t fnv1a64(const std::string& s) {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

// The capacity of a new registry: initial_blocks, or where files are mapped in larger units
// (platform::map_granularity: Windows) one such unit, so that every capacity (doubled as it
// grows) is a whole number of them.
std::uint64_t first_blocks() noexcept {
  return std::max<std::uint64_t>(initial_blocks, platform::map_granularity() / block_bytes);
}

}  // namespace

fs::path registry_dir_of(const fs::path& root) { return root / (".tempfm-" + std::to_string(platform::user_id())); }

std::shared_ptr<registry> registry::open_existing(const fs::path& root) {
  boost::system::error_code ec;
  const fs::path canon = canonical_dir(root, ec);
  if (ec) return nullptr;
  const fs::path dir = registry_dir_of(canon);
  platform::file_status st;
  if (platform::status_at(platform::no_handle, (dir / "registry.v2").c_str(), st) != 0 &&
      platform::status_at(platform::no_handle, (dir / "registry").c_str(), st) != 0)
    return nullptr;
  return open(canon);
}

std::shared_ptr<registry> registry::open(const fs::path& given_root) {
  boost::system::error_code cec;
  const fs::path root = canonical_dir(given_root, cec);
  if (cec) throw_error("cannot resolve the temp root", given_root, cec);
  std::shared_ptr<registry> sp;
  {
    std::unique_lock<std::mutex> lk(cache_mutex());
    // Filesystems where a mapping shared by several hosts is not coherent.
    if (const char* net = platform::network_fs_name(root.c_str()))
      throw_errno(std::string("refusing a temp root on ") + net +
                      ": the registry is a shared mapping, coherent only between processes of one host",
                  root, ENOTSUP);
    const fs::path dir = registry_dir_of(root);
    if (int err = platform::create_dir(platform::no_handle, dir.c_str(), 0700); err != 0 && err != EEXIST)
      throw_errno("cannot create the registry", dir, err);
    fd_closer d{platform::no_handle};
    if (const int err = platform::open_dir_at(platform::no_handle, dir.c_str(), d.fd)) {
      throw_errno(err == ELOOP || err == ENOTDIR ? "refusing the registry: not a directory" : "cannot open the registry",
                  dir, err == ELOOP ? ENOTDIR : err);
    }
    platform::file_status st;
    if (int err = platform::status_of(d.fd, st)) throw_errno("cannot inspect the registry", dir, err);
    check_private(dir, st, true);
    format::identity id{};
    if (int err = platform::identity_of_handle(d.fd, id, nullptr)) throw_errno("cannot inspect the registry", dir, err);
    // One registry per registry directory, however it is reached (another spelling, a bind mount,
    // a renamed root): the cache is keyed by the directory itself, and looked up before `locks` is
    // opened, so this process never holds two descriptors of it.
    const std::string key = std::to_string(id.dev) + ":" + std::to_string(id.ino);
    for (;;) {
      auto it = cache().find(key);
      if (it == cache().end()) break;
      if ((sp = it->second.lock())) break;
      cache_cv().wait(lk);  // the last user just let it go: wait until it is closed
    }
    if (!sp) {
      std::unique_ptr<registry> r(new registry(root, dir, key));
      r->locks_fd_ = open_private(d.fd, "locks", dir);
      r->reg_fd_ = open_private(d.fd, "registry.v2", dir);
      // Address space for the largest registry, so that the mapping only ever grows in place and
      // pointers into it stay valid while other threads use them.
      int err = 0;
      void* m = platform::reserve_address_space(std::size_t(max_blocks) * block_bytes, &err);
      if (!m) throw_errno("cannot reserve address space for the registry", dir / "registry.v2", err);
      r->map_ = static_cast<unsigned char*>(m);
      r->dir_fd_ = d.fd;
      d.fd = platform::no_handle;
      sp.reset(r.release(), registry_deleter());
      cache()[key] = sp;
    }
  }
  // Outside the cache mutex: this may wait for another process's registry lock, which must hold up
  // no other root, and no fork().
  sp->prepare();
  return sp;
}

void registry::prepare() {
  if (prepared_.load(std::memory_order_acquire)) return;
  registry_lock held(*this);
  if (prepared_.load(std::memory_order_relaxed)) return;
  migrate_v1();
  check_header();
  prepared_.store(true, std::memory_order_release);
}

void registry::check_header() {
  if (mapped_.load(std::memory_order_acquire) > 0) {  // the common case: a sound header whose capacity is mapped, no syscall
    const header& h = mapped_view().head();
    const std::uint32_t cap = h.capacity.load(std::memory_order_acquire);
    if (declared_version(h) == version && h.slot_bytes == slot_bytes && h.block_slots == block_slots && cap >= 2 &&
        cap == mapped_.load(std::memory_order_acquire))
      return;
  }
  const fs::path file = dir_ / "registry.v2";
  platform::file_status st;
  if (int err = platform::status_of(reg_fd_, st)) throw_errno("cannot inspect the registry", file, err);
  const std::uint64_t file_blocks = st.size / block_bytes;
  std::string problem;
  bool blank = true;  // never written: a new file, or its creator died before the header
  if (file_blocks == 0) {
    char buf[block_bytes];
    std::size_t n = 0;
    blank = platform::read_at(reg_fd_, buf, sizeof buf, 0, n) != 0 || n == 0 ||
            std::all_of(buf, buf + n, [](char c) { return c == 0; });
    if (!blank) problem = "it is shorter than a header (" + std::to_string(st.size) + " bytes)";
  } else {
    map_to(1);
    const header& h = mapped_view().head();
    const std::uint32_t declared = declared_version(h);
    if (declared > version)
      throw_errno("the registry was written by a newer boost_tempfm (format version " + std::to_string(declared) +
                      "; this library reads version " + std::to_string(version) +
                      "): use that version, or another root",
                  file, EPROTO);
    problem = header_problem(h, file_blocks);
    if (problem.empty()) {
      map_current();
      return;
    }
    const unsigned char* p = reinterpret_cast<const unsigned char*>(&h);
    blank = std::all_of(p, p + sizeof(header), [](unsigned char c) { return c == 0; });
  }
  // (Re)write the header in place. The file only ever grows: other processes may have it mapped,
  // and a mapping past the end of a file is SIGBUS. Their blocks stay as they are.
  const std::uint32_t cap =
      static_cast<std::uint32_t>(std::min<std::uint64_t>(std::max<std::uint64_t>(file_blocks, first_blocks()), max_blocks));
  // Allocated, not sparse: on tmpfs even reading a hole through a mapping allocates (SIGBUS when full).
  if (file_blocks < cap) {
    if (int err = platform::allocate(reg_fd_, file_blocks * block_bytes, std::uint64_t(cap - file_blocks) * block_bytes))
      throw_errno("cannot size the registry", file, err);
  }
  map_to(cap);
  header& h = mapped_view().head();
  const std::uint64_t repairs = blank ? 0 : h.repairs + 1;
  init_header(h, cap);
  h.created_ns = now_ns();
  h.repairs = repairs;
  // Block states other than free and owned are noise: free them. An owned block with a broken
  // header is left to the sweeps, which adopt it once no process holds its lease.
  const format::view v = mapped_view();
  for (std::uint32_t b = 1; b < cap; ++b) {
    const std::uint32_t s = v.block(b).state.load(std::memory_order_acquire);
    if (s != block_free && s != block_owned) v.block(b).state.store(block_free, std::memory_order_release);
  }
  if (!blank)
    log_message(log_level::warning, "boost_tempfm: the registry " + file.string() + " was broken (" + problem +
                                        "); its header was rewritten in place, every intact entry kept");
}

namespace {

// Version 1's own rule for its own entries (the only place /proc is read, by
// platform::process_start_time): an owner of another boot, or whose pid now runs with another
// start time or not at all, or is a zombie, is gone. When the system cannot tell (no /proc; the
// portable backend, where 0.1 never ran), the owner is taken for alive and its registry is left
// alone.
bool v1_owner_gone(const v1_entry& v) {
  std::uint64_t start = 0;
  bool ended = false;
  const int err = platform::process_start_time(v.pid, start, ended);
  if (err == ENOSYS) return false;
  if (std::memcmp(v.boot_id, boot_id().data(), sizeof v.boot_id) != 0) return true;
  if (err == ESRCH) return true;
  if (err != 0) return false;
  return ended || start != v.start_time;
}

}  // namespace

void registry::migrate_v1() {
  // boost_tempfm 0.1.0 kept a version-1 `registry` file here. 0.2 never writes it (a 0.1 process
  // may still use it under its own semaphore, and would truncate a file it cannot read): once every
  // owner it names is gone by 0.1's own rule, its entries are carried over as a dead owner's (the
  // next sweep removes them), and it, its recovery lock and its semaphore are removed.
  fd_closer f{platform::no_handle};
  if (platform::open_file_read(dir_fd_, fs::path("registry").c_str(), f.fd) != 0) return;
  platform::file_status st;
  char head[sizeof magic_v1] = {};
  std::size_t nread = 0;
  if (platform::status_of(f.fd, st) != 0 || !st.is_regular || st.owner != platform::user_id() ||
      platform::read_at(f.fd, head, sizeof head, 0, nread) != 0 || nread != sizeof head ||
      std::memcmp(head, magic_v1, sizeof head) != 0)
    return;  // not a registry of ours to interpret
  std::vector<unsigned char> old(std::size_t(std::min<std::uint64_t>(st.size, std::uint64_t(1) << 30)));
  std::size_t got = 0;
  while (got < old.size()) {
    if (platform::read_at(f.fd, old.data() + got, old.size() - got, got, nread) != 0 || nread == 0) break;
    got += nread;
  }
  const std::vector<v1_entry> found = read_v1(old.data(), got, root_.string());
  for (const v1_entry& v : found)
    if (!v1_owner_gone(v)) return;  // a 0.1 process still runs: its registry stays as it is
  check_header();  // the version-2 file, initialised if new
  std::lock_guard<std::mutex> g(mu_);
  const std::string rootp = root_.string() + "/";
  std::size_t placed = 0;
  while (placed < found.size()) {
    const std::uint32_t b = take_free_block(false);
    const format::view v = mapped_view();
    format::claim_block(v, b, block_owner{}, now_ns());  // pid 0, no lease: a dead owner
    for (std::uint32_t i = 1; i < block_slots && placed < found.size(); ++placed) {
      entry_data e = found[placed].e;
      if (e.stored.compare(0, rootp.size(), rootp) == 0 && e.stored.find('/', rootp.size()) == std::string::npos) {
        e.stored.erase(0, rootp.size());
        e.flags |= flag_relative;
      }
      const std::uint32_t n = slots_for(e.stored.size());
      if (i + n > block_slots) break;  // the next block takes it
      std::uint32_t slots[max_chain];
      for (std::uint32_t k = 0; k < n; ++k) slots[k] = b * block_slots + i + k;
      write_entry(v, slots, n, e, e.stored);
      i += n;
    }
  }
  (void)platform::remove_name(dir_fd_, fs::path("registry").c_str(), false);
  (void)platform::remove_name(dir_fd_, fs::path("recover.lock").c_str(), false);
  char sem[96];
  std::snprintf(sem, sizeof sem, "tempfm-%u-%016llx", static_cast<unsigned>(platform::user_id()),
                static_cast<unsigned long long>(fnv1a64(root_.string())));
  platform::remove_legacy_semaphore(sem);
  log_message(log_level::warning, "boost_tempfm: carried over the version-1 registry " + (dir_ / "registry").string() +
                                      " (" + std::to_string(found.size()) + " entries of processes that are gone)");
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

void unlock_registries(bool in_child) {
  std::vector<std::shared_ptr<registry>> held;
  held.swap(forking());
  for (auto it = held.rbegin(); it != held.rend(); ++it) {
    if (in_child) (*it)->after_fork_in_child();
    (*it)->unlock_local();
  }
  cache_mutex().unlock();
  // `held` goes last, outside the cache mutex: it may hold the last reference to a registry.
}

}  // namespace detail

boost::filesystem::path registry_dir(const boost::filesystem::path& root) { return detail::registry_dir_of(root); }

}  // namespace boost_tempfm
