// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LIBS_REGISTRY_IMPL_HPP
#define BOOST_TEMPFM_LIBS_REGISTRY_IMPL_HPP

#include <boost_tempfm/log.hpp>
#include <boost_tempfm/registry.hpp>

#include <boost/filesystem/path.hpp>
#include <boost/interprocess/sync/named_mutex.hpp>

#include <atomic>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace boost_tempfm {
namespace detail {

// The fields of an entry other than its path (see head_slot in registry.cpp).
struct entry_proto {
  std::uint32_t pid;
  std::uint8_t type;
  std::uint8_t flags;  // bit 0: the path is relative to the root
  std::uint64_t start_time;
  std::uint8_t boot_id[16];
  std::int64_t created_ns;
};

// The registry file <root>/.tempfm-<uid>/registry is an array of 128-byte slots, mapped shared
// by every process using the root. Slot 0 is the header. An entry is a head slot (state 1) with
// the first bytes of its path, chained to continuation slots (state 2) for longer paths. Free
// slots form a list. Every change happens under the named mutex; each entry appears or disappears
// by one aligned store of its head's state word, so a process killed halfway through an update
// leaves a registry that the next lock holder can repair by a scan (see registry.cpp).
constexpr std::uint32_t slot_bytes = 128;
constexpr std::uint32_t head_path_bytes = 72;
constexpr std::uint32_t cont_path_bytes = 120;

// Where an entry lives in the registry, and what identifies it there (a slot can be reused).
struct registry_ref {
  std::uint32_t slot = 0;  // 0: not registered
  std::uint32_t checksum = 0;
};

struct raw_entry {
  std::uint32_t slot;
  std::uint32_t checksum;
  std::string path;  // absolute
  entry_type type;
  std::int64_t created_ns;
  owner_id owner;
};

// One open registry, shared by every manager of this process on the same root.
class registry {
 public:
  // Opens (creating if needed) the registry of the canonical root. Throws filesystem_error.
  static std::shared_ptr<registry> open(const boost::filesystem::path& root);
  // The registry of root if one exists; nullptr otherwise (nothing is created).
  static std::shared_ptr<registry> open_existing(const boost::filesystem::path& root);
  ~registry();
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  const boost::filesystem::path& root() const noexcept { return root_; }

  // Records an entry owned by this process. Throws filesystem_error (e.g. disk full).
  registry_ref add(const std::string& abs_path, entry_type type);
  // Forgets the entry if it is still the one ref names. Never throws.
  void remove(const registry_ref& ref) noexcept;
  // Forgets many entries under one lock.
  void remove_all(const std::vector<registry_ref>& refs) noexcept;
  // Every entry, read under the lock.
  std::vector<raw_entry> entries();

  // Runs f while holding the registry lock (tests use it to die while holding it).
  void with_lock(const std::function<void()>& f);
  // The name of the named mutex (a POSIX semaphore in /dev/shm).
  const std::string& sem_name() const noexcept { return sem_name_; }

  // Statistics for tools and benchmarks.
  std::uint64_t file_bytes();
  std::uint64_t recoveries();

  // For the fork handlers.
  void lock_local() { mu_.lock(); }
  void unlock_local() { mu_.unlock(); }

 private:
  registry(boost::filesystem::path root, boost::filesystem::path dir, int fd, std::string sem_name);
  class guard;
  friend class guard;

  void acquire();  // in-process mutex held
  void note_holder() noexcept;
  void release() noexcept;
  // Takes over the lock of a dead holder if it is still stuck; true if we hold the lock now.
  bool recover_from(std::uint32_t dead_pid, std::uint64_t dead_start, std::uint64_t seen_acquisitions);
  void map_header() noexcept;  // maps the header alone, when nothing is mapped yet
  bool header_is_blank() noexcept;  // sized, but all zero: its creator died before writing it
  void repair() noexcept;  // rebuild the free list and drop broken chains
  void map_current();      // (re)map when another process grew the file
  void grow();
  void initialise();
  void rebuild(const std::string& why, off_t size);
  bool free_list_ok() noexcept;
  // Writes an entry (stored path, owner and times from proto) into free slots; returns the head.
  std::uint32_t place(const std::string& stored, const entry_proto& proto);
  void shrink() noexcept;
  void push_free_range(std::uint32_t first, std::uint32_t last) noexcept;  // [first, last) become free  // back to the initial size once every slot is free
  std::uint32_t pop_free();
  void free_chain(std::uint32_t head) noexcept;

  const boost::filesystem::path root_;
  const boost::filesystem::path dir_;
  int fd_;
  std::string sem_name_;
  std::unique_ptr<boost::interprocess::named_mutex> sem_;
  unsigned char* map_ = nullptr;
  std::uint32_t mapped_slots_ = 0;
  bool needs_repair_ = false;
  std::mutex mu_;
};

// The fork handlers: lock every registry open in this process, and unlock them.
void lock_registries();
void unlock_registries();

// <root>/.tempfm-<euid>
boost::filesystem::path registry_dir_of(const boost::filesystem::path& root);

}  // namespace detail
}  // namespace boost_tempfm

#endif
