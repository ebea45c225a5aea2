// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
//
// Console-event cleanup (boost_tempfm/signal.hpp) on Windows (libs/sources.txt: "windows").
//
// Windows has no signals to catch: Ctrl-C, Ctrl-Break and the closing of the console window reach a
// console program as events, which the system delivers on a new thread of the process
// (SetConsoleCtrlHandler). That thread is an ordinary one: it may take locks and allocate. So the
// handler does what the exit hook does (every manager removes what it tracks, with the usual
// removal and logging), then returns FALSE so that the next handler (by default ExitProcess) runs.
// After CTRL_CLOSE_EVENT the system ends the process about 5 s later whatever the handler does.
// Nothing is published for a signal handler, so the signal list below is empty: signal_attach()
// returns nullptr and creation windows never refuse.
#include "windows_common.hpp"

#include "../detail/errors.hpp"
#include "../detail/manager_state.hpp"
#include "../detail/signal_list.hpp"

#include <boost_tempfm/signal.hpp>

#include <atomic>
#include <mutex>
#include <system_error>

namespace boost_tempfm {
namespace detail {

namespace {

std::atomic<bool> enabled{false};
std::atomic<bool> running{false};

BOOL WINAPI on_console_event(DWORD event) {
  switch (event) {
    case CTRL_C_EVENT:
    case CTRL_BREAK_EVENT:
    case CTRL_CLOSE_EVENT:
      running.store(true, std::memory_order_seq_cst);
      try {
        remove_all_of_every_manager();
      } catch (...) {
      }
      return FALSE;  // the next handler (ExitProcess by default) ends the process
    default:
      return FALSE;
  }
}

}  // namespace

bool signal_cleanup_enabled() noexcept { return enabled.load(std::memory_order_acquire); }

signal_node* signal_attach(const std::string&, const registry_mark&) { return nullptr; }

void signal_mark(signal_node*, const registry_mark&) noexcept {}

void signal_detach(signal_node*) noexcept {}

void signal_forget_path(signal_node*) noexcept {}

bool creation_window::enter() noexcept {
  open_ = true;
  return true;
}

void creation_window::leave() noexcept { open_ = false; }

bool signal_cleanup_running() noexcept { return running.load(std::memory_order_seq_cst); }

void signal_after_fork_in_child() noexcept {}

}  // namespace detail

void install_signal_cleanup() {
  static std::mutex mu;
  std::lock_guard<std::mutex> g(mu);
  if (detail::enabled.load(std::memory_order_acquire)) return;
  if (!::SetConsoleCtrlHandler(detail::on_console_event, TRUE))
    throw std::system_error(detail::platform::last_errno(), std::generic_category(),
                            "boost_tempfm: SetConsoleCtrlHandler");
  detail::enabled.store(true, std::memory_order_release);
}

void install_signal_cleanup(boost::system::error_code& ec) noexcept {
  detail::with_error_code(ec, [](boost::system::error_code*) { install_signal_cleanup(); });
}

}  // namespace boost_tempfm
