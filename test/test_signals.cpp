// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// install_signal_cleanup(): SIGINT, SIGTERM and SIGHUP remove this process's files, chain to the
// application's handler, end the process as the signal would have, leave ignored signals alone,
// and never touch a parent's files from a forked child. Real processes, real signals.
// The portable POSIX backend cannot list a directory in a signal handler: there the handler removes
// the files and leaves the temp dir that holds entries to the next sweep (check_cleaned()).
#define BOOST_TEST_MODULE test_signals
#include "support.hpp"

#include <boost_tempfm/registry.hpp>

#include <signal.h>

using namespace tempfm_test;

namespace {

struct scenario {
  scratch s;
  fs::path root;
  pid_t pid = 0;
  pid_t child = 0;
  std::vector<std::string> paths;  // file, dir, outside, late
  explicit scenario(const std::string& mode) {
    root = s.dir / "root";
    fs::create_directories(root);
    pid = spawn(child_program(), {"signal", mode, root.string(), (s.dir / "ready").string()});
    BOOST_REQUIRE(wait_for_file(s.dir / "ready", 20));
    paths = read_lines(s.dir / "ready");
    if (!paths.empty() && paths[0].rfind("child ", 0) == 0) {
      child = std::stoi(paths[0].substr(6));
      paths.erase(paths.begin());
    }
    BOOST_REQUIRE(paths.size() == 4u);
  }
  bool all_gone() const {
    for (const std::string& p : paths)
      if (exists_nofollow(p)) return false;
    return true;
  }
  bool all_there() const {
    for (const std::string& p : paths)
      if (!exists_nofollow(p)) return false;
    return true;
  }
  // Once the process ended by the signal: everything removed by the handler. With the portable
  // backend, everything but the temp dir holding entries (paths[1]), which the next sweep removes
  // (its entry stayed in the registry, its owner is gone).
  void check_cleaned() const {
    if (!portable_backend) {
      BOOST_TEST(all_gone());
      return;
    }
    for (std::size_t i : {0u, 2u, 3u}) BOOST_TEST(!exists_nofollow(paths[i]), paths[i]);
    BOOST_REQUIRE(exists_nofollow(paths[1]));
    const boost_tempfm::sweep_report rep = boost_tempfm::sweep(fs::canonical(root));
    bool swept = false;
    for (const boost_tempfm::registry_entry& e : rep.removed) swept = swept || e.path == paths[1];
    BOOST_TEST(swept);
    BOOST_TEST(rep.failed.empty());
    BOOST_TEST(all_gone());
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(sigterm_removes_everything_and_ends_the_process_by_the_signal) {
  scenario sc("dfl");
  ::kill(sc.pid, SIGTERM);
  const int st = wait_for(sc.pid);
  BOOST_TEST((WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM), "status " << st);
  sc.check_cleaned();
  BOOST_TEST(listing(sc.root).empty());
}

BOOST_AUTO_TEST_CASE(the_handler_removes_directories_with_what_they_hold,
                     *boost::unit_test::precondition(linux_backend_only{
                         "has no async-signal-safe way to list a directory (readdir allocates): its handler removes "
                         "files and empty directories, and leaves a directory that holds entries to the next sweep"})) {
  scenario sc("dfl");
  ::kill(sc.pid, SIGTERM);
  wait_for(sc.pid);
  BOOST_TEST(!exists_nofollow(sc.paths[1]));  // a temp dir holding a/b/x, a read-only
}

BOOST_AUTO_TEST_CASE(sigint_and_sighup_too) {
  for (int sig : {SIGINT, SIGHUP}) {
    scenario sc("dfl");
    ::kill(sc.pid, sig);
    const int st = wait_for(sc.pid);
    BOOST_TEST((WIFSIGNALED(st) && WTERMSIG(st) == sig), "signal " << sig << " status " << st);
    sc.check_cleaned();
  }
}

BOOST_AUTO_TEST_CASE(chains_to_the_applications_handler) {
  scenario sc("chain");
  ::kill(sc.pid, SIGTERM);
  const int st = wait_for(sc.pid);
  BOOST_TEST((WIFEXITED(st) && WEXITSTATUS(st) == 42), "status " << st);  // the application's handler ran
  BOOST_TEST(read_file(sc.s.dir / "ready.marker") == "chained\n");
  sc.check_cleaned();
}

BOOST_AUTO_TEST_CASE(an_ignored_signal_stays_ignored) {
  scenario sc("ign");
  ::kill(sc.pid, SIGHUP);
  // The ping comes after SIGHUP: once it is answered, SIGHUP has been dealt with.
  ::kill(sc.pid, SIGUSR1);
  int st = 0;
  bool answered = false;
  for (int i = 0; i < 12000 && !answered; ++i) {  // up to 60 s
    answered = !read_file(sc.s.dir / "ready.pong").empty();
    if (!answered && ::waitpid(sc.pid, &st, WNOHANG) != 0) break;  // ended: SIGHUP was not ignored
    if (!answered) ::usleep(5000);
  }
  BOOST_TEST(answered, "status " << st);
  BOOST_TEST(::waitpid(sc.pid, &st, WNOHANG) == 0);  // still running
  BOOST_TEST(sc.all_there());
  ::kill(sc.pid, SIGTERM);
  wait_for(sc.pid);
  sc.check_cleaned();
}

BOOST_AUTO_TEST_CASE(a_forked_child_never_removes_its_parents_files) {
  scenario sc("fork");
  BOOST_REQUIRE(sc.child > 0);
  ::kill(sc.child, SIGTERM);
  // The parent writes the child's wait status once the child has ended.
  BOOST_REQUIRE(wait_for_file(sc.s.dir / "ready.child", 60));
  const int st = std::stoi(read_file(sc.s.dir / "ready.child"));
  BOOST_TEST((WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM), "child status " << st);
  BOOST_TEST(sc.all_there());
  ::kill(sc.pid, SIGTERM);
  wait_for(sc.pid);
  sc.check_cleaned();
}
