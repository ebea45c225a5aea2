// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// tempfm's arguments: help texts, the version, durations, options of each command.
#include "cli.hpp"

#include <boost_tempfm/config.hpp>

#include <boost/program_options/parsers.hpp>

#include <cctype>
#include <iostream>
#include <limits>
#include <sstream>

namespace po = boost::program_options;

namespace tempfm_cli {

namespace {

const char* const root_help =
    "The root is --root DIR (before or after the command), else $BOOST_TEMPFM_ROOT, else\n"
    "<system temp dir>/tempfm-<uid>.\n";

}  // namespace

const char* const top_help =
    "usage: tempfm [--root DIR] <command> [options]\n"
    "       tempfm --version | --help\n"
    "\n"
    "Look at and clean a temp root shared by many processes (boost_tempfm).\n"
    "\n"
    "commands:\n"
    "  ls      every entry: owner pid, alive or dead, age, size, path\n"
    "  du      bytes per owner and in total\n"
    "  sweep   remove the entries of dead owners (or more, see its --help)\n"
    "  run     run a command with TMPDIR set to a fresh managed directory\n"
    "\n"
    "options:\n"
    "  --root DIR      the temp root (also accepted after the command; for run, before CMD)\n"
    "  -V, --version   print the version\n"
    "  -h, --help      this help; `tempfm <command> --help` (or `tempfm help <command>`)\n"
    "                  describes each command\n"
    "\n"
    "The root is --root DIR, else $BOOST_TEMPFM_ROOT, else <system temp dir>/tempfm-<uid>.\n"
    "ls, du and sweep on a root that does not exist yet print \"nothing here\" and exit 0.\n"
    "Paths are printed with control characters and bytes that are not UTF-8 escaped (\\n, \\t,\n"
    "\\xNN, and \\\\ for a backslash); --json prints JSON (see doc/reference.md).\n"
    "\n"
    "exit codes:\n"
    "  0    success\n"
    "  1    sweep: some entries could not be removed\n"
    "  2    usage: unknown command or option, unexpected argument, bad or too large duration\n"
    "  3    bad root: not a directory, refused, or its registry cannot be read\n"
    "  run: CMD's status (128+N when signal N ended it); 125 tempfm failed (e.g. the root was\n"
    "       refused), 126 CMD not executable, 127 CMD not found\n";

std::string command_help(const std::string& command, const std::string& options) {
  std::string head, codes;
  if (command == "ls") {
    head =
        "usage: tempfm ls [--root DIR] [--json]\n"
        "Every entry of the root's registry, one per line: owner pid, alive or dead, age, size,\n"
        "type, path. Control characters and bytes that are not UTF-8 in paths are escaped (\\n,\n"
        "\\t, \\xNN, \\\\). --json prints an array with one object per entry.\n";
    codes =
        "  0  listed (also when the root does not exist yet: \"nothing here\", or [] with --json)\n"
        "  2  usage: unknown option, unexpected argument\n"
        "  3  bad root: not a directory, refused, or its registry cannot be read\n";
  } else if (command == "du") {
    head =
        "usage: tempfm du [--root DIR] [--json]\n"
        "Bytes held per owner and in total. --json prints one object (root, owners, entries, bytes).\n";
    codes =
        "  0  shown (also when the root does not exist yet: \"nothing here\")\n"
        "  2  usage: unknown option, unexpected argument\n"
        "  3  bad root: not a directory, refused, or its registry cannot be read\n";
  } else if (command == "sweep") {
    head =
        "usage: tempfm sweep [--root DIR] [--dry-run] [--all] [--older-than DURATION] [--json]\n"
        "Remove the entries of dead owners (crashed or killed processes) and their files; each\n"
        "removal is logged to stderr. DURATION: 90, 90s, 15m, 2h, 7d or a sum such as 1h30m, at\n"
        "most 106751d. --json prints one object (root, dry_run, removed, failed, forgotten, bytes).\n";
    codes =
        "  0  every selected entry removed (also when there is none, or the root does not exist\n"
        "     yet: \"nothing here\")\n"
        "  1  some entries could not be removed\n"
        "  2  usage: unknown option, unexpected argument, bad or too large duration\n"
        "  3  bad root: not a directory, refused, or its registry cannot be read\n";
  } else if (command == "run") {
    head =
        "usage: tempfm run [--root DIR] [--] CMD ARGS...\n"
        "Run CMD with TMPDIR set to a fresh managed directory, remove it afterwards whatever CMD\n"
        "does, and exit with CMD's status. Options are recognised only before CMD: what follows CMD\n"
        "is CMD's, even when it starts with '-'. A root that does not exist is created (0700), as\n"
        "the library does.\n";
    codes =
        "  N    CMD's status; 128+N when signal N ended it\n"
        "  2    usage: unknown option, no CMD\n"
        "  125  tempfm failed (e.g. the root was refused)\n"
        "  126  CMD not executable\n"
        "  127  CMD not found\n";
  } else {
    return {};
  }
  return head + root_help + "\n" + options + "\nexit codes:\n" + codes;
}

std::string version_line() {
  return "tempfm (boost_tempfm) " + std::to_string(BOOST_TEMPFM_VERSION_MAJOR) + "." +
         std::to_string(BOOST_TEMPFM_VERSION_MINOR) + "." + std::to_string(BOOST_TEMPFM_VERSION_PATCH);
}

std::chrono::seconds parse_duration(const std::string& s) {
  if (s.empty()) throw usage_error("empty duration");
  // The largest older_than that sweep_options can hold, in whole seconds.
  using sys_dur = std::chrono::system_clock::duration;
  const std::uint64_t max_seconds =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(sys_dur::max()).count());
  const std::string too_large = "bad duration '" + escape_text(s) + "': too large (at most " +
                                std::to_string(max_seconds / 86400) + "d)";
  std::uint64_t total = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t j = i;
    std::uint64_t n = 0;
    for (; j < s.size() && std::isdigit(static_cast<unsigned char>(s[j])); ++j) {
      const auto digit = static_cast<std::uint64_t>(s[j] - '0');
      if (n > (max_seconds - digit) / 10) throw usage_error(too_large);
      n = n * 10 + digit;
    }
    if (j == i)
      throw usage_error("bad duration '" + escape_text(s) + "': expected a number, e.g. 90s, 15m, 2h, 7d");
    std::uint64_t mult = 1;
    if (j < s.size()) {
      switch (s[j]) {
        case 's': mult = 1; break;
        case 'm': mult = 60; break;
        case 'h': mult = 3600; break;
        case 'd': mult = 86400; break;
        default:
          throw usage_error("bad duration '" + escape_text(s) + "': unknown unit '" + escape_text(s.substr(j, 1)) +
                            "' (use s, m, h or d)");
      }
      ++j;
    } else if (i != 0) {
      throw usage_error("bad duration '" + escape_text(s) + "': a unit is needed after the first part");
    }
    if (n > max_seconds / mult || n * mult > max_seconds - total) throw usage_error(too_large);
    total += n * mult;
    i = j;
  }
  return std::chrono::seconds(static_cast<std::chrono::seconds::rep>(total));
}

void root_option::set(const std::string& value) {
  if (given) throw usage_error("--root is given twice");
  if (value.empty()) throw usage_error("--root needs a directory");
  dir = value;
  given = true;
}

bool parse_options(const std::string& command, const std::vector<std::string>& args, po::options_description& desc,
                   po::variables_map& vm, root_option& root) {
  std::string after_root;
  desc.add_options()("root", po::value(&after_root)->value_name("DIR"), "the temp root")("help,h", "this help");
  try {
    const po::parsed_options parsed = po::command_line_parser(args).options(desc).run();
    // No positional arguments are declared: each one is unexpected.
    for (const std::string& extra : po::collect_unrecognized(parsed.options, po::include_positional))
      throw usage_error("unexpected argument '" + escape_text(extra) + "'");
    po::store(parsed, vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw usage_error(escape_text(e.what()));
  }
  if (vm.count("help")) {
    std::ostringstream options;
    options << desc;
    std::cout << command_help(command, options.str());
    return false;
  }
  if (vm.count("root")) root.set(after_root);
  return true;
}

bool parse_run_args(const std::vector<std::string>& args, root_option& root, std::vector<std::string>& cmd) {
  std::size_t i = 0;
  while (i < args.size() && !args[i].empty() && args[i][0] == '-') {
    const std::string& a = args[i++];
    if (a == "--") break;
    if (a == "--help" || a == "-h") {
      std::cout << command_help("run",
                                "options:\n"
                                "  --root DIR            the temp root\n"
                                "  -h [ --help ]         this help\n");
      return false;
    }
    if (a == "--root") {
      if (i == args.size()) throw usage_error("--root needs a directory");
      root.set(args[i++]);
    } else if (a.rfind("--root=", 0) == 0) {
      root.set(a.substr(7));
    } else {
      throw usage_error("unknown option '" + escape_text(a) + "' (options of run come before CMD)");
    }
  }
  cmd.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  if (cmd.empty()) throw usage_error("run needs a command");
  return true;
}

}  // namespace tempfm_cli
