// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// install_signal_cleanup() on Windows: Ctrl-C and Ctrl-Break reach a console program as events,
// delivered by the system on a thread of their own; the handler removes what every manager tracks,
// then the default handler ends the process. Real child processes, each in a console of its own,
// raise the event on it (under wine: its headless console). POSIX signals: test_signals.
#define BOOST_TEST_MODULE test_console_events
#include "support.hpp"

#include <boost_tempfm/registry.hpp>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

namespace {

constexpr unsigned status_control_c_exit = 0xC000013Au;  // how the default handler ends a process

void event_removes_everything(const std::string& event) {
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  const fs::path ready = s.dir / "ready";
  const pid_t pid = spawn(child_program(), {"console", event, root.string(), ready.string()});
  const int st = wait_for(pid);
  // Ended by the event, after the handler: Windows' default handler exits with STATUS_CONTROL_C_EXIT,
  // wine 8's with 0 (4-6: the child could not raise it or outlived it).
  BOOST_TEST(static_cast<unsigned>(st) == (on_wine() ? 0u : status_control_c_exit), "exit status " << st);
  BOOST_REQUIRE_MESSAGE(fs::exists(ready), "the child never made its files");
  const std::vector<std::string> paths = read_lines(ready);
  BOOST_REQUIRE(paths.size() == 2u);
  for (const std::string& p : paths) BOOST_TEST(!exists_nofollow(p), p);
  for (const std::string& name : listing(root)) BOOST_TEST(name.rfind("console_", 0) != 0, name);
  for (const tfm::registry_entry& e : tfm::list_entries(fs::canonical(root)))
    BOOST_TEST(e.owner.pid != static_cast<std::uint32_t>(pid), e.path);
}

}  // namespace

BOOST_AUTO_TEST_CASE(ctrl_c_removes_the_files_and_their_entries,
                     *boost::unit_test::precondition(windows_only{"console events; POSIX signals are test_signals'"})) {
  event_removes_everything("c");
}

BOOST_AUTO_TEST_CASE(ctrl_break_removes_the_files_and_their_entries,
                     *boost::unit_test::precondition(windows_only{"console events; POSIX signals are test_signals'"}) *
                         boost::unit_test::precondition(skip_on_wine{
                             "wine 8's GenerateConsoleCtrlEvent refuses CTRL_BREAK_EVENT (ERROR_INVALID_HANDLE, "
                             "for process group 0 or the process's own id) where it raises CTRL_C_EVENT"})) {
  event_removes_everything("break");
}
