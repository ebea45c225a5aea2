// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include "detail/log_impl.hpp"
#include "detail/manager_state.hpp"
#include "detail/process_identity.hpp"
#include "detail/registry_impl.hpp"
#include "detail/signal_list.hpp"
#include "platform/platform.hpp"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace boost_tempfm {
namespace detail {
namespace {

struct state_list {
  std::mutex mu;
  std::vector<manager_state*> states;
};

state_list& states() {
  // Never destroyed: the exit hook and late destructors of static managers use it.
  static state_list* l = new state_list;
  return *l;
}

// exit(): remove what every manager still tracks for this process. A state's destructor
// unregisters it under the list lock, so no state dies while we use it.
void on_exit() {
  state_list& l = states();
  std::lock_guard<std::mutex> g(l.mu);
  for (manager_state* s : l.states) (void)s->remove_all(cleanup_reason::exit);
}

// fork(): hold every lock the child could need, so the child never inherits one held by a thread
// that does not exist there; release them on both sides.
void before_fork() {
  state_list& l = states();
  l.mu.lock();
  for (manager_state* s : l.states) s->lock();
  lock_registries();
}

void unlock_after_fork(bool in_child) {
  unlock_registries(in_child);
  state_list& l = states();
  for (auto it = l.states.rbegin(); it != l.states.rend(); ++it) (*it)->unlock();
  l.mu.unlock();
}

void after_fork_parent() { unlock_after_fork(false); }

void after_fork_child() {
  identity_after_fork();  // a new pid and instance
  signal_after_fork_in_child();
  unlock_after_fork(true);  // the parent's registry blocks stay the parent's
}

void install_hooks() {
  // Boost.Log's core must exist before std::atexit: exit runs handlers and static
  // destructors in reverse order of registration, so ours runs while logging still works.
  log_init();
  (void)states();
  if (std::atexit(on_exit) != 0) throw std::runtime_error("boost_tempfm: atexit registration failed");
  if (int err = platform::at_fork(before_fork, after_fork_parent, after_fork_child))
    throw std::system_error(err, std::generic_category(), "boost_tempfm: pthread_atfork");
}

}  // namespace

void register_state(manager_state* s) {
  static std::once_flag once;
  std::call_once(once, install_hooks);
  state_list& l = states();
  std::lock_guard<std::mutex> g(l.mu);
  l.states.push_back(s);
}

void remove_all_of_every_manager() { on_exit(); }

void attach_all_signal_nodes() {
  state_list& l = states();
  std::lock_guard<std::mutex> g(l.mu);
  for (manager_state* s : l.states) s->attach_signal_nodes();
}

void unregister_state(manager_state* s) noexcept {
  state_list& l = states();
  std::lock_guard<std::mutex> g(l.mu);
  l.states.erase(std::remove(l.states.begin(), l.states.end(), s), l.states.end());
}

}  // namespace detail
}  // namespace boost_tempfm
