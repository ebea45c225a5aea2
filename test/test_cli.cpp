// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// The tempfm command-line tool: ls, du, sweep, run, and its errors and exit codes.
#define BOOST_TEST_MODULE test_cli
#include "support.hpp"

#include <boost_tempfm/registry.hpp>

#include <signal.h>

using namespace tempfm_test;

namespace {

exec_result tempfm(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
  return run_program(program("tempfm"), args, env);
}

bool has(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

struct crashed_root {
  scratch s;
  fs::path root;
  std::vector<std::string> paths;
  pid_t pid = 0;
  crashed_root() {
    root = s.dir / "root";
    fs::create_directories(root);
    pid = spawn(child_program(), {"hold", root.string(), (s.dir / "outside").string(), (s.dir / "ready").string()});
    BOOST_REQUIRE(wait_for_file(s.dir / "ready", 20));
    paths = read_lines(s.dir / "ready");
    ::kill(pid, SIGKILL);
    wait_for(pid);
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(ls_shows_dead_owner_entries_and_json) {
  crashed_root c;
  exec_result r = tempfm({"ls", "--root", c.root.string()});
  BOOST_TEST(r.exited_with(0), r.err);
  BOOST_TEST(has(r.out, "PID     OWNER  AGE"), r.out);
  for (const std::string& p : c.paths) BOOST_TEST(has(r.out, p), r.out);
  BOOST_TEST(has(r.out, std::to_string(c.pid) + std::string(8 - std::to_string(c.pid).size(), ' ') + "dead"), r.out);
  BOOST_TEST(has(r.out, "3 entries in "), r.out);
  exec_result j = tempfm({"ls", "--root", c.root.string(), "--json"});
  BOOST_TEST(j.exited_with(0));
  BOOST_TEST(j.out.front() == '[');
  BOOST_TEST(has(j.out, "\"pid\": " + std::to_string(c.pid)));
  BOOST_TEST(has(j.out, "\"alive\": false"));
  BOOST_TEST(has(j.out, "\"type\": \"directory\""));
  BOOST_TEST(has(j.out, "\"bytes\": 5,"));
}

BOOST_AUTO_TEST_CASE(du_sums_per_owner) {
  crashed_root c;
  exec_result r = tempfm({"du", "--root", c.root.string()});
  BOOST_TEST(r.exited_with(0), r.err);
  BOOST_TEST(has(r.out, "dead   3        15 (15 B)"), r.out);
  BOOST_TEST(has(r.out, "total 15 (15 B)"), r.out);
}

BOOST_AUTO_TEST_CASE(sweep_dry_run_then_sweep_logs_each_removal) {
  crashed_root c;
  exec_result dry = tempfm({"sweep", "--root", c.root.string(), "--dry-run"});
  BOOST_TEST(dry.exited_with(0), dry.err);
  BOOST_TEST(has(dry.out, "would sweep 3 entries, 15 bytes"), dry.out);
  for (const std::string& p : c.paths) BOOST_TEST(exists_nofollow(p));
  exec_result r = tempfm({"sweep", "--root", c.root.string()});
  BOOST_TEST(r.exited_with(0), r.err);
  BOOST_TEST(has(r.out, "swept 3 entries, 15 bytes"), r.out);
  for (const std::string& p : c.paths) {
    BOOST_TEST(!exists_nofollow(p));
    BOOST_TEST(has(r.err, "tempfm: boost_tempfm: removed "), r.err);
    BOOST_TEST(has(r.err, p), r.err);
  }
  BOOST_TEST(has(r.err, "sweep)"), r.err);
  exec_result again = tempfm({"sweep", "--root", c.root.string()});
  BOOST_TEST(has(again.out, "swept 0 entries"), again.out);
}

BOOST_AUTO_TEST_CASE(sweep_all_older_than_and_default_root_from_env) {
  crashed_root c;
  exec_result young = tempfm({"sweep", "--all", "--older-than", "1h30m"}, {"BOOST_TEMPFM_ROOT=" + c.root.string()});
  BOOST_TEST(young.exited_with(0), young.err);
  BOOST_TEST(has(young.out, "swept 0 entries"), young.out);
  exec_result all = tempfm({"sweep", "--all", "--older-than", "0s"}, {"BOOST_TEMPFM_ROOT=" + c.root.string()});
  BOOST_TEST(has(all.out, "swept 3 entries"), all.out);
}

BOOST_AUTO_TEST_CASE(run_sets_tmpdir_and_removes_it_whatever_happens) {
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  exec_result ok = tempfm({"run", "--root", root.string(), "--", "sh", "-c",
                           "echo \"$TMPDIR\"; mkdir \"$TMPDIR/d\"; echo x > \"$TMPDIR/d/f\"; chmod 0 \"$TMPDIR/d\"; exit 7"});
  BOOST_TEST(ok.exited_with(7), ok.err);
  const std::string dir = ok.out.substr(0, ok.out.find('\n'));
  BOOST_TEST(has(dir, fs::canonical(root).string() + "/run_"), dir);
  BOOST_TEST(!exists_nofollow(dir));
  exec_result killed = tempfm({"run", "--root", root.string(), "--", "sh", "-c", "touch \"$TMPDIR/x\"; kill -9 $$"});
  BOOST_TEST(killed.exited_with(128 + SIGKILL));
  exec_result segv = tempfm({"run", "--root", root.string(), "--", "sh", "-c", "kill -SEGV $$"});
  BOOST_TEST(segv.exited_with(128 + SIGSEGV));
  exec_result missing = tempfm({"run", "--root", root.string(), "--", "/no/such/program"});
  BOOST_TEST(missing.exited_with(127));
  BOOST_TEST(has(missing.err, "cannot execute /no/such/program"), missing.err);
  BOOST_TEST(listing(root).empty());
  BOOST_TEST(boost_tempfm::list_entries(fs::canonical(root)).empty());
}

BOOST_AUTO_TEST_CASE(errors_and_exit_codes) {
  scratch s;
  exec_result none = tempfm({});
  BOOST_TEST(none.exited_with(2));
  BOOST_TEST(has(none.err, "a command is needed"));
  exec_result unknown = tempfm({"frobnicate"});
  BOOST_TEST(unknown.exited_with(2));
  BOOST_TEST(has(unknown.err, "unknown command 'frobnicate'"));
  exec_result bad_dur = tempfm({"sweep", "--root", s.dir.string(), "--older-than", "5x"});
  BOOST_TEST(bad_dur.exited_with(2));
  BOOST_TEST(has(bad_dur.err, "bad duration '5x'"), bad_dur.err);
  BOOST_TEST(tempfm({"sweep", "--root", s.dir.string(), "--older-than", "h"}).exited_with(2));
  exec_result bad_opt = tempfm({"ls", "--frob"});
  BOOST_TEST(bad_opt.exited_with(2));
  BOOST_TEST(has(bad_opt.err, "--frob"), bad_opt.err);
  exec_result bad_root = tempfm({"ls", "--root", (s.dir / "missing").string()});
  BOOST_TEST(bad_root.exited_with(3));
  BOOST_TEST(has(bad_root.err, "no temp root at " + (s.dir / "missing").string()), bad_root.err);
  write_file(s.dir / "file", "x");
  BOOST_TEST(tempfm({"du", "--root", (s.dir / "file").string()}).exited_with(3));
  exec_result no_cmd = tempfm({"run", "--root", s.dir.string()});
  BOOST_TEST(no_cmd.exited_with(2));
  BOOST_TEST(has(no_cmd.err, "run needs a command after --"));
  for (const char* sub : {"ls", "du", "sweep", "run"}) {
    exec_result h = tempfm({sub, "--help"});
    BOOST_TEST(h.exited_with(0), sub);
    BOOST_TEST(has(h.out, std::string("usage: tempfm ") + sub), h.out);
  }
  BOOST_TEST(has(tempfm({"--help"}).out, "commands:"));
}
