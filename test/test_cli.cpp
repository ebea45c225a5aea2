// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// The tempfm command-line tool: ls, du, sweep, run, and its errors and exit codes.
#define BOOST_TEST_MODULE test_cli
#include "support.hpp"

#include <boost_tempfm/config.hpp>
#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/temp_file_manager.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <signal.h>

using namespace tempfm_test;
namespace json = boost::json;

namespace {

exec_result tempfm(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
  return run_program(program("tempfm"), args, env);
}

bool has(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

std::size_t count_of(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t i = s.find(what); i != std::string::npos; i = s.find(what, i + what.size())) ++n;
  return n;
}

// The tool's output parsed by Boost.JSON, which refuses invalid JSON and invalid UTF-8.
json::value parse_json(const std::string& s) {
  boost::system::error_code ec;
  json::value v = json::parse(s, ec);
  BOOST_REQUIRE_MESSAGE(!ec, "not JSON (" << ec.message() << "): " << s);
  return v;
}

std::string str(const json::value& v) {
  const json::string& s = v.as_string();
  return std::string(s.data(), s.size());
}

std::string from_hex(const std::string& hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return bytes;
}

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
    kill_hard(pid);
    wait_for(pid);
  }
};

// A dead owner's file (5 bytes) and directory whose names start with a prefix holding a newline, a
// tab and a byte that is not UTF-8: made by a forked child that ends with _exit (no cleanup).
struct odd_names_root {
  scratch s;
  fs::path root;
  std::string canon;
  const std::string prefix = "a\nb\tc\xff_";
  std::string file, dir;  // the full paths, as bytes
  pid_t pid = 0;
  odd_names_root() {
    root = s.dir / "root";
    fs::create_directories(root);
    canon = fs::canonical(root).string();
    const fs::path out = s.dir / "made";
    child_result c = run_forked([&]() -> int {
      boost_tempfm::temp_file_manager m(prefix, root, boost_tempfm::startup_sweep::none);
      boost_tempfm::temp_file f = m.create_temp_file(".bin");
      write_file(f.path(), "12345");
      boost_tempfm::temp_dir d = m.create_temp_dir();
      write_file(out, std::to_string(current_pid()) + "\n" + f.path().string() + std::string(1, '\0') + d.path().string());
      ::_exit(0);
    });
    BOOST_REQUIRE_MESSAGE(c.exited_with(0), c.out);
    const std::string made = read_file(out);
    pid = std::stoi(made.substr(0, made.find('\n')));
    file = made.substr(made.find('\n') + 1, made.find('\0') - made.find('\n') - 1);
    dir = made.substr(made.find('\0') + 1);
    BOOST_REQUIRE(exists_nofollow(file) && exists_nofollow(dir));
    BOOST_REQUIRE_EQUAL(file.rfind(canon + "/" + prefix, 0), 0u);
  }
  // How the table shows a path: the prefix escaped, the rest as is.
  std::string shown(const std::string& path) const {
    return canon + "/a\\nb\\tc\\xff_" + path.substr(canon.size() + 1 + prefix.size());
  }
  // How JSON's "path" shows it: the byte that is not UTF-8 as U+FFFD.
  std::string replaced(const std::string& path) const {
    return canon + "/a\nb\tc\xEF\xBF\xBD_" + path.substr(canon.size() + 1 + prefix.size());
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
  BOOST_TEST(j.exited_with(0), j.err);
  const json::value listed = parse_json(j.out);
  const json::array& entries = listed.as_array();
  BOOST_TEST(entries.size() == 3u);
  std::set<std::string> paths;
  std::multiset<std::string> types;
  std::int64_t bytes = 0;
  for (const json::value& v : entries) {
    const json::object& e = v.as_object();
    paths.insert(str(e.at("path")));
    types.insert(str(e.at("type")));
    bytes += e.at("bytes").to_number<std::int64_t>();
    BOOST_TEST(e.at("pid").to_number<pid_t>() == c.pid);
    BOOST_TEST(e.at("alive").as_bool() == false);
    BOOST_TEST(e.at("exists").as_bool() == true);
    BOOST_TEST(!e.contains("path_hex"));  // valid UTF-8: "path" alone is exact
  }
  BOOST_TEST(paths == std::set<std::string>(c.paths.begin(), c.paths.end()));
  BOOST_TEST(bytes == 15);
  BOOST_TEST(types == (std::multiset<std::string>{"directory", "file", "file"}));
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
    BOOST_TEST(has(r.err, p), r.err);
  }
  // One line per removal, and the library's prefix once (not "tempfm: boost_tempfm: ...").
  const std::vector<std::string> log = split_lines(r.err);
  BOOST_TEST(log.size() == 3u, r.err);
  for (const std::string& line : log) {
    BOOST_TEST(line.rfind("boost_tempfm: removed ", 0) == 0u, line);
    BOOST_TEST(count_of(line, "boost_tempfm:") == 1u, line);
    BOOST_TEST(has(line, "sweep)"), line);
  }
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

BOOST_AUTO_TEST_CASE(run_sets_tmpdir_and_removes_it_whatever_happens,
                     *boost::unit_test::precondition(skip_on_windows{"runs POSIX sh commands (kill -9, kill -SEGV) through tempfm run"})) {
#ifndef _WIN32  // skipped on Windows (above): POSIX calls
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
#endif
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
  write_file(s.dir / "file", "x");
  exec_result not_dir = tempfm({"du", "--root", (s.dir / "file").string()});
  BOOST_TEST(not_dir.exited_with(3));
  BOOST_TEST(has(not_dir.err, "the temp root " + (s.dir / "file").string() + " is not a directory"), not_dir.err);
  exec_result no_cmd = tempfm({"run", "--root", s.dir.string()});
  BOOST_TEST(no_cmd.exited_with(2));
  BOOST_TEST(has(no_cmd.err, "run needs a command"), no_cmd.err);
}

BOOST_AUTO_TEST_CASE(an_unexpected_argument_is_a_usage_error_and_removes_nothing) {
  crashed_root c;
  const std::string env = "BOOST_TEMPFM_ROOT=" + c.root.string();
  // The issue: `sweep --all roots/h` swept the default root.
  exec_result extra = tempfm({"sweep", "--all", "roots/h"}, {env});
  BOOST_TEST(extra.exited_with(2), extra.err);
  BOOST_TEST(has(extra.err, "tempfm sweep: unexpected argument 'roots/h'"), extra.err);
  BOOST_TEST(extra.out.empty(), extra.out);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"sweep", "--root", c.root.string(), "extra"},
        std::vector<std::string>{"sweep", "--root", c.root.string(), "--", "extra"},
        std::vector<std::string>{"ls", c.root.string()}, std::vector<std::string>{"du", "--json", "x"},
        std::vector<std::string>{"--root", c.root.string(), "sweep", "x"}}) {
    exec_result r = tempfm(args, {env});
    BOOST_TEST(r.exited_with(2), args.front() << " " << args.back() << ": " << r.err);
    BOOST_TEST(has(r.err, "unexpected argument"), r.err);
  }
  for (const std::string& p : c.paths) BOOST_TEST(exists_nofollow(p), p);
  BOOST_TEST(boost_tempfm::list_entries(fs::canonical(c.root)).size() == 3u);
}

BOOST_AUTO_TEST_CASE(root_before_or_after_the_command) {
  crashed_root c;
  const std::string root = c.root.string();
  exec_result before = tempfm({"--root", root, "sweep", "--dry-run"});
  BOOST_TEST(before.exited_with(0), before.err);
  BOOST_TEST(has(before.out, "would sweep 3 entries, 15 bytes"), before.out);
  exec_result after = tempfm({"ls", "--root", root});
  BOOST_TEST(after.exited_with(0), after.err);
  BOOST_TEST(has(after.out, "3 entries in " + fs::canonical(c.root).string()), after.out);
  exec_result equals = tempfm({"--root=" + root, "du"});
  BOOST_TEST(equals.exited_with(0), equals.err);
  BOOST_TEST(has(equals.out, "total 15 (15 B)"), equals.out);
  // A root given twice is ambiguous.
  exec_result twice = tempfm({"--root", root, "sweep", "--root", root});
  BOOST_TEST(twice.exited_with(2));
  BOOST_TEST(has(twice.err, "--root is given twice"), twice.err);
  BOOST_TEST(tempfm({"--root"}).exited_with(2));
  BOOST_TEST(tempfm({"--root", "", "ls"}).exited_with(2));
  for (const std::string& p : c.paths) BOOST_TEST(exists_nofollow(p), p);
  exec_result swept = tempfm({"--root", root, "sweep"});
  BOOST_TEST(swept.exited_with(0), swept.err);
  BOOST_TEST(has(swept.out, "swept 3 entries"), swept.out);
  for (const std::string& p : c.paths) BOOST_TEST(!exists_nofollow(p), p);
}

BOOST_AUTO_TEST_CASE(an_out_of_range_duration_is_a_usage_error_and_a_live_file_stays) {
  scratch s;
  const fs::path root = s.dir / "root";
  boost_tempfm::temp_file_manager m("live_", root);
  boost_tempfm::temp_file live = m.create_temp_file(".bin");
  // Each of these overflowed std::chrono::system_clock::duration (nanoseconds) to "no age limit".
  for (const std::string d : {"106752d", "999999999m", "106751d24h", "99999999999999999999s", "9223372037"}) {
    exec_result r = tempfm({"sweep", "--root", root.string(), "--all", "--older-than", d});
    BOOST_TEST(r.exited_with(2), d << ": " << r.err);
    BOOST_TEST(has(r.err, "bad duration '" + d + "': too large (at most 106751d)"), r.err);
    BOOST_TEST(r.out.empty(), r.out);
    BOOST_TEST(exists_nofollow(live.path()));
  }
  // The largest duration that fits is taken as is: the one-second-old file is younger.
  exec_result max = tempfm({"sweep", "--root", root.string(), "--all", "--older-than", "106751d"});
  BOOST_TEST(max.exited_with(0), max.err);
  BOOST_TEST(has(max.out, "swept 0 entries"), max.out);
  BOOST_TEST(exists_nofollow(live.path()));
  BOOST_TEST(boost_tempfm::list_entries(m.root()).size() == 1u);
}

BOOST_AUTO_TEST_CASE(version_and_help_with_exit_codes) {
  const std::string version = "tempfm (boost_tempfm) " + std::to_string(BOOST_TEMPFM_VERSION_MAJOR) + "." +
                              std::to_string(BOOST_TEMPFM_VERSION_MINOR) + "." +
                              std::to_string(BOOST_TEMPFM_VERSION_PATCH) + "\n";
  for (const char* flag : {"--version", "-V"}) {
    exec_result v = tempfm({flag});
    BOOST_TEST(v.exited_with(0), flag);
    BOOST_TEST(v.out == version);
    BOOST_TEST(v.err.empty(), v.err);
  }
  exec_result top = tempfm({"--help"});
  BOOST_TEST(top.exited_with(0));
  BOOST_TEST(has(top.out, "commands:"), top.out);
  BOOST_TEST(has(top.out, "exit codes:"), top.out);
  BOOST_TEST(has(top.out, "--version"), top.out);
  for (const std::string sub : {"ls", "du", "sweep", "run"}) {
    exec_result h = tempfm({sub, "--help"});
    BOOST_TEST(h.exited_with(0), sub);
    BOOST_TEST(h.out.rfind("usage: tempfm " + sub + " [--root DIR]", 0) == 0u, h.out);
    BOOST_TEST(has(h.out, "\nexit codes:\n"), h.out);
    BOOST_TEST(has(h.out, "usage: unknown option"), h.out);  // exit code 2 is listed
    BOOST_TEST(has(h.out, "--root DIR"), h.out);
    BOOST_TEST(tempfm({"help", sub}).out == h.out);
  }
  BOOST_TEST(has(tempfm({"sweep", "--help"}).out, "  1  some entries could not be removed"));
  BOOST_TEST(has(tempfm({"run", "--help"}).out, "  127  CMD not found"));
}

BOOST_AUTO_TEST_CASE(a_missing_root_is_nothing_here_and_is_not_created) {
  scratch s;
  const fs::path missing = s.dir / "missing";
  for (const std::string sub : {"ls", "du", "sweep"}) {
    exec_result r = tempfm({sub, "--root", missing.string()});
    BOOST_TEST(r.exited_with(0), sub << ": " << r.err);
    BOOST_TEST(r.out == "nothing here: no temp root at " + missing.string() + "\n", r.out);
    BOOST_TEST(r.err.empty(), r.err);
    // The default root of a fresh machine, through the environment as a cron job would have it.
    exec_result env = tempfm({sub}, {"BOOST_TEMPFM_ROOT=" + missing.string()});
    BOOST_TEST(env.exited_with(0), sub << ": " << env.err);
    BOOST_TEST(has(env.out, "nothing here"), env.out);
    exec_result j = tempfm({sub, "--root", missing.string(), "--json"});
    BOOST_TEST(j.exited_with(0), sub << ": " << j.err);
    const json::value v = parse_json(j.out);
    if (sub == "ls") {
      BOOST_TEST(v.as_array().empty());
    } else {
      BOOST_TEST(str(v.at("root")) == missing.string());
      BOOST_TEST(v.at("root_exists").as_bool() == false);
      BOOST_TEST(v.at("bytes").to_number<int>() == 0);
    }
  }
  BOOST_TEST(!exists_nofollow(missing));
}

BOOST_AUTO_TEST_CASE(run_creates_a_missing_root_as_the_library_does,
                     *boost::unit_test::precondition(skip_on_windows{"runs a POSIX sh command through tempfm run"})) {
  scratch s;
  const fs::path root = s.dir / "new";
  exec_result r = tempfm({"run", "--root", root.string(), "sh", "-c", "echo \"$TMPDIR\"; echo x > \"$TMPDIR/f\""});
  BOOST_TEST(r.exited_with(0), r.err);
  BOOST_REQUIRE(fs::is_directory(root));
  if (!on_windows) BOOST_TEST(mode_of(root) == 0700u);  // no POSIX permission bits there
  const std::string dir = r.out.substr(0, r.out.find('\n'));
  BOOST_TEST(dir.rfind(fs::canonical(root).string() + "/run_", 0) == 0u, dir);
  BOOST_TEST(!exists_nofollow(dir));
  BOOST_TEST(listing(root).empty());
}

BOOST_AUTO_TEST_CASE(run_needs_no_double_dash_before_a_command_with_dash_arguments,
                     *boost::unit_test::precondition(skip_on_windows{"runs POSIX sh commands through tempfm run"})) {
  scratch s;
  const fs::path root = s.dir / "root";
  const std::vector<std::string> cmd = {"sh", "-c", "printf '%s|' \"$@\"", "sh", "-x", "--y", "--", "--root", "z"};
  std::vector<std::string> args = {"run", "--root", root.string()};
  args.insert(args.end(), cmd.begin(), cmd.end());
  exec_result r = tempfm(args);
  BOOST_TEST(r.exited_with(0), r.err);
  BOOST_TEST(r.out == "-x|--y|--|--root|z|");  // what follows CMD is CMD's, options and "--" too
  // With "--" and the root before the command, as before.
  args = {"--root", root.string(), "run", "--"};
  args.insert(args.end(), cmd.begin(), cmd.end());
  exec_result dashed = tempfm(args);
  BOOST_TEST(dashed.exited_with(0), dashed.err);
  BOOST_TEST(dashed.out == "-x|--y|--|--root|z|");
  // Before CMD an unknown option is still a usage error, and nothing runs.
  exec_result bad = tempfm({"run", "--root", root.string(), "--frob", "sh", "-c", "echo ran"});
  BOOST_TEST(bad.exited_with(2));
  BOOST_TEST(has(bad.err, "unknown option '--frob'"), bad.err);
  BOOST_TEST(bad.out.empty(), bad.out);
}

BOOST_AUTO_TEST_CASE(ls_table_escapes_control_characters_and_bytes_that_are_not_utf8,
                     *boost::unit_test::precondition(skip_on_windows{"names holding bytes that are not UTF-8 (POSIX names are bytes, Windows names UTF-16), made by fork(2)"})) {
  odd_names_root o;
  exec_result r = tempfm({"ls", "--root", o.root.string()});
  BOOST_TEST(r.exited_with(0), r.err);
  // The header, one row per entry, the total: no row forged by the newline in the prefix.
  const std::vector<std::string> lines = split_lines(r.out);
  BOOST_REQUIRE_EQUAL(lines.size(), 4u);
  std::set<std::string> rows(lines.begin() + 1, lines.begin() + 3);
  std::set<std::string> shown;
  for (const std::string& row : rows) {
    BOOST_TEST(has(row, "dead"), row);
    BOOST_TEST(row.find('\t') == std::string::npos, row);
    shown.insert(row.substr(row.find(o.canon)));
  }
  BOOST_TEST(shown == (std::set<std::string>{o.shown(o.file), o.shown(o.dir)}));
  BOOST_TEST(lines[3] == "2 entries in " + o.canon);
  // The dry run shows the same escaped paths.
  exec_result dry = tempfm({"sweep", "--root", o.root.string(), "--dry-run"});
  BOOST_TEST(dry.exited_with(0), dry.err);
  BOOST_TEST(split_lines(dry.out).size() == 3u, dry.out);
  BOOST_TEST(has(dry.out, "would remove file " + o.shown(o.file) + " (5 bytes, pid " + std::to_string(o.pid) + ", dead)"),
             dry.out);
}

BOOST_AUTO_TEST_CASE(json_of_ls_du_and_sweep_is_valid_with_paths_that_are_not_utf8,
                     *boost::unit_test::precondition(skip_on_windows{"names holding bytes that are not UTF-8 (POSIX names are bytes, Windows names UTF-16), made by fork(2)"})) {
  odd_names_root o;
  exec_result ls = tempfm({"ls", "--root", o.root.string(), "--json"});
  BOOST_TEST(ls.exited_with(0), ls.err);
  const json::value listed = parse_json(ls.out);
  const json::array& entries = listed.as_array();
  BOOST_REQUIRE_EQUAL(entries.size(), 2u);
  for (const json::value& v : entries) {
    const std::string path = from_hex(str(v.at("path_hex")));  // the exact bytes
    BOOST_TEST((path == o.file || path == o.dir), path);
    BOOST_TEST(str(v.at("path")) == o.replaced(path));  // readable, U+FFFD for the 0xff byte
    BOOST_TEST(str(v.at("type")) == (path == o.file ? "file" : "directory"));
    BOOST_TEST(v.at("pid").to_number<pid_t>() == o.pid);
    BOOST_TEST(v.at("alive").as_bool() == false);
    BOOST_TEST(v.at("bytes").to_number<int>() == (path == o.file ? 5 : 0));
    BOOST_TEST(v.at("exists").as_bool() == true);
    BOOST_TEST(v.at("age_seconds").to_number<double>() >= 0);
  }

  exec_result du = tempfm({"du", "--root", o.root.string(), "--json"});
  BOOST_TEST(du.exited_with(0), du.err);
  const json::value usage = parse_json(du.out);
  BOOST_TEST(str(usage.at("root")) == o.canon);
  BOOST_TEST(!usage.as_object().contains("root_hex"));
  BOOST_TEST(usage.at("root_exists").as_bool() == true);
  BOOST_TEST(usage.at("entries").to_number<int>() == 2);
  BOOST_TEST(usage.at("bytes").to_number<int>() == 5);
  const json::array& owners = usage.at("owners").as_array();
  BOOST_REQUIRE_EQUAL(owners.size(), 1u);
  BOOST_TEST(owners[0].at("pid").to_number<pid_t>() == o.pid);
  BOOST_TEST(owners[0].at("alive").as_bool() == false);
  BOOST_TEST(owners[0].at("entries").to_number<int>() == 2);
  BOOST_TEST(owners[0].at("bytes").to_number<int>() == 5);

  exec_result sweep = tempfm({"sweep", "--root", o.root.string(), "--json"});
  BOOST_TEST(sweep.exited_with(0), sweep.err);
  const json::value rep = parse_json(sweep.out);
  BOOST_TEST(str(rep.at("root")) == o.canon);
  BOOST_TEST(rep.at("dry_run").as_bool() == false);
  BOOST_TEST(rep.at("bytes").to_number<int>() == 5);
  BOOST_TEST(rep.at("failed").as_array().empty());
  BOOST_TEST(rep.at("forgotten").as_array().empty());
  std::set<std::string> removed;
  for (const json::value& v : rep.at("removed").as_array()) removed.insert(from_hex(str(v.at("path_hex"))));
  BOOST_TEST(removed == (std::set<std::string>{o.file, o.dir}));
  BOOST_TEST(!exists_nofollow(o.file));
  BOOST_TEST(!exists_nofollow(o.dir));
  // The log on stderr: one escaped line per removal, the library's prefix once.
  const std::vector<std::string> log = split_lines(sweep.err);
  BOOST_TEST(log.size() == 2u, sweep.err);
  for (const std::string& line : log) {
    BOOST_TEST(line.rfind("boost_tempfm: removed ", 0) == 0u, line);
    BOOST_TEST(count_of(line, "boost_tempfm:") == 1u, line);
  }
  BOOST_TEST(has(sweep.err, "boost_tempfm: removed file " + o.shown(o.file) + " (5 bytes, sweep)"), sweep.err);
}
