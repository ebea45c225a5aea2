// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LIBS_SIGNAL_LIST_HPP
#define BOOST_TEMPFM_LIBS_SIGNAL_LIST_HPP

#include <cstdint>
#include <string>

namespace boost_tempfm {
namespace detail {

// The paths a signal handler may remove: a lock-free list that the handler only reads. Nodes are
// never freed (they are recycled), so the handler can walk the list at any moment.
struct signal_node;

// True once install_signal_cleanup() ran.
bool signal_cleanup_enabled() noexcept;

// Where the registry entry of a path is, so that the handler frees it with the path it removes:
// the registry's mapping, and the entry's head slot with the state word it was published with (the
// handler frees it only if that word is still there: an entry changed or reused since is not its).
struct registry_mark {
  unsigned char* base = nullptr;
  std::uint64_t slot_seen = 0;  // slot << 32 | state word; 0: none
};

// Publishes path (owned by this process) for the handler; nullptr when cleanup is not enabled.
signal_node* signal_attach(const std::string& path, const registry_mark& mark = {});

// The path's registry entry changed (or went away: a default mark).
void signal_mark(signal_node* n, const registry_mark& mark) noexcept;

// Withdraws it (the path was removed, released or is about to be removed normally).
void signal_detach(signal_node* n) noexcept;

// The first half of signal_detach: the handler no longer removes the path, but still frees the
// registry entry of its mark. For removals: forget the path, remove the registry entry, detach; a
// handler that runs in between frees the entry (if it is still the one marked), so it is never
// left behind.
void signal_forget_path(signal_node* n) noexcept;

// A creation in progress in this thread: opened once the new path is published (its node holds
// the path and its registry entry), closed once the object exists and the node says exactly what is
// there (path, and the registry entry as it now is). Nothing inside may wait for a lock: the handler
// waits (2 s at most) until no other thread has one open before it removes anything, and the thread
// it interrupted may hold any lock. So every object that exists is published when the handler
// walks; a creation that would begin after the handler started is refused. Cheap: two atomic
// read-modify-writes.
class creation_window {
 public:
  creation_window() noexcept = default;
  ~creation_window() { leave(); }
  creation_window(const creation_window&) = delete;
  creation_window& operator=(const creation_window&) = delete;
  // Opens it; false (nothing open) if the handler has started: create nothing (ECANCELED).
  bool enter() noexcept;
  void leave() noexcept;

 private:
  struct thread_record* rec_ = nullptr;
  bool open_ = false;
};

// True from the moment the handler starts (until a chained handler returns, if it does).
bool signal_cleanup_running() noexcept;

// In the child after fork(): the parent's other threads are not here, nor their windows.
void signal_after_fork_in_child() noexcept;

}  // namespace detail
}  // namespace boost_tempfm

#endif
