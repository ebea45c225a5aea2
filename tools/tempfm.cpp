// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// tempfm: look at and clean a temp root shared by many processes.
//
//   tempfm [--root DIR] ls    [--root DIR] [--json]
//   tempfm [--root DIR] du    [--root DIR] [--json]
//   tempfm [--root DIR] sweep [--root DIR] [--dry-run] [--all] [--older-than DURATION] [--json]
//   tempfm [--root DIR] run   [--root DIR] [--] CMD ARGS...
//   tempfm --version | --help
//
// Exit codes: 0 success (also ls/du/sweep on a root that does not exist yet); 1 some entries could
// not be removed (sweep); 2 usage (unknown command or option, unexpected argument, bad duration);
// 3 bad root; run: CMD's status (128+N when killed by signal N), 125 when tempfm itself failed,
// 126 CMD not executable, 127 CMD not found.
// Arguments and help texts are in cli_args.cpp, escaping and JSON in cli_output.cpp.
#include "cli.hpp"

#include <boost_tempfm/tempfm.hpp>

#include <boost/filesystem/operations.hpp>
#include <boost/json/array.hpp>
#include <boost/program_options/value_semantic.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace fs = boost::filesystem;
namespace json = boost::json;
namespace po = boost::program_options;
namespace tfm = boost_tempfm;
using namespace tempfm_cli;

namespace {

// The root named by --root, $BOOST_TEMPFM_ROOT or the default: its canonical path if it exists,
// else (exists == false) the path as named. Throws root_error when it is no directory or cannot
// be looked at.
struct root_location {
  fs::path path;
  bool exists = false;
};

fs::path named_root(const root_option& given) {
  if (given.given) return given.dir;
  boost::system::error_code ec;
  fs::path root = tfm::default_root(ec);  // the library's rule: empty variables are unset
  if (ec) throw root_error("no usable system temp directory: " + ec.message());
  return root;
}

root_location locate_root(const root_option& given) {
  root_location r;
  r.path = named_root(given);
  const std::string shown = escape_text(r.path.string());
  boost::system::error_code ec;
  const fs::file_status st = fs::status(r.path, ec);
  if (st.type() == fs::file_not_found) return r;  // not there yet: nothing to show or sweep
  if (ec) throw root_error("cannot look at the temp root " + shown + ": " + ec.message());
  if (!fs::is_directory(st)) throw root_error("the temp root " + shown + " is not a directory");
  fs::path canon = fs::canonical(r.path, ec);
  if (ec) throw root_error("cannot resolve the temp root " + shown + ": " + ec.message());
  r.path = canon;
  r.exists = true;
  return r;
}

void say_nothing_here(const root_location& root) {
  std::cout << "nothing here: no temp root at " << escape_text(root.path.string()) << "\n";
}

json::object root_json(const root_location& root) {
  json::object o;
  put_path(o, "root", root.path.string());
  o["root_exists"] = root.exists;
  return o;
}

int cmd_ls(const std::vector<std::string>& args, root_option& root_opt) {
  po::options_description desc("options");
  desc.add_options()("json", "print JSON: an array with one object per entry");
  po::variables_map vm;
  if (!parse_options("ls", args, desc, vm, root_opt)) return ok;
  const bool as_json = vm.count("json") != 0;
  const root_location root = locate_root(root_opt);
  if (!root.exists) {
    if (as_json)
      print_json(std::cout, json::array());
    else
      say_nothing_here(root);
    return ok;
  }
  const std::vector<tfm::registry_entry> entries = tfm::list_entries(root.path);
  const auto now = std::chrono::system_clock::now();
  if (as_json) {
    json::array a;
    for (const tfm::registry_entry& e : entries) a.push_back(entry_json(e, now));
    print_json(std::cout, a);
    return ok;
  }
  std::cout << std::left << std::setw(8) << "PID" << std::setw(7) << "OWNER" << std::setw(9) << "AGE"
            << std::setw(11) << "SIZE" << std::setw(5) << "TYPE" << "PATH\n";
  for (const tfm::registry_entry& e : entries) {
    std::cout << std::left << std::setw(8) << e.owner.pid << std::setw(7) << (e.owner_alive ? "alive" : "dead")
              << std::setw(9) << human_age(now - e.created) << std::setw(11) << human_bytes(e.bytes)
              << std::setw(5) << (e.type == tfm::entry_type::directory ? "dir" : "file")
              << escape_text(e.path.string()) << (e.exists ? "" : " (missing)") << "\n";
  }
  std::cout << entries.size() << (entries.size() == 1 ? " entry" : " entries") << " in "
            << escape_text(root.path.string()) << "\n";
  return ok;
}

int cmd_du(const std::vector<std::string>& args, root_option& root_opt) {
  po::options_description desc("options");
  desc.add_options()("json", "print JSON: one object with the owners and the total");
  po::variables_map vm;
  if (!parse_options("du", args, desc, vm, root_opt)) return ok;
  const bool as_json = vm.count("json") != 0;
  const root_location root = locate_root(root_opt);
  struct usage_row {
    std::uint64_t pid_namespace = 0;
    bool alive = false;
    std::size_t entries = 0;
    std::uintmax_t bytes = 0;
  };
  std::map<std::pair<std::uint32_t, std::uint64_t>, usage_row> per_owner;  // pid, instance
  std::size_t count = 0;
  std::uintmax_t total = 0;
  if (root.exists) {
    for (const tfm::registry_entry& e : tfm::list_entries(root.path)) {
      usage_row& r = per_owner[{e.owner.pid, e.owner.instance}];
      r.pid_namespace = e.owner.pid_namespace;
      r.alive = r.alive || e.owner_alive;
      ++r.entries;
      r.bytes += e.bytes;
      ++count;
      total += e.bytes;
    }
  }
  if (as_json) {
    json::object o = root_json(root);
    json::array owners;
    for (const auto& kv : per_owner) {
      std::ostringstream instance;
      instance << std::hex << kv.first.second;
      owners.push_back(json::object{{"pid", kv.first.first},
                                    {"pid_namespace", kv.second.pid_namespace},
                                    {"instance", instance.str()},
                                    {"alive", kv.second.alive},
                                    {"entries", kv.second.entries},
                                    {"bytes", static_cast<std::uint64_t>(kv.second.bytes)}});
    }
    o["owners"] = std::move(owners);
    o["entries"] = count;
    o["bytes"] = static_cast<std::uint64_t>(total);
    print_json(std::cout, o);
    return ok;
  }
  if (!root.exists) {
    say_nothing_here(root);
    return ok;
  }
  std::cout << std::left << std::setw(8) << "PID" << std::setw(7) << "OWNER" << std::setw(9) << "ENTRIES"
            << "BYTES\n";
  for (const auto& kv : per_owner)
    std::cout << std::left << std::setw(8) << kv.first.first << std::setw(7) << (kv.second.alive ? "alive" : "dead")
              << std::setw(9) << kv.second.entries << kv.second.bytes << " (" << human_bytes(kv.second.bytes)
              << ")\n";
  std::cout << "total " << total << " (" << human_bytes(total) << ") in " << escape_text(root.path.string()) << "\n";
  return ok;
}

int cmd_sweep(const std::vector<std::string>& args, root_option& root_opt) {
  po::options_description desc("options");
  std::string older;
  desc.add_options()("dry-run,n", "show what would be removed, remove nothing")(
      "all", "every entry, also those of live owners")(
      "older-than", po::value(&older)->value_name("DURATION"),
      "only entries older than DURATION (e.g. 90s, 15m, 2h, 7d, 1h30m; at most 106751d)")(
      "json", "print JSON: one object with what was removed");
  po::variables_map vm;
  if (!parse_options("sweep", args, desc, vm, root_opt)) return ok;
  const bool as_json = vm.count("json") != 0;
  tfm::sweep_options opt;
  opt.dry_run = vm.count("dry-run") != 0;
  opt.all = vm.count("all") != 0;
  opt.measure = true;  // report the bytes freed
  if (vm.count("older-than")) opt.older_than = parse_duration(older);
  const root_location root = locate_root(root_opt);
  tfm::sweep_report rep;
  if (root.exists) {
    add_log_sink();  // each removal is logged to stderr
    rep = tfm::sweep(root.path, opt);
  }
  if (as_json) {
    const auto now = std::chrono::system_clock::now();
    json::object o = root_json(root);
    o["dry_run"] = opt.dry_run;
    const std::pair<const char*, const std::vector<tfm::registry_entry>*> lists[] = {
        {"removed", &rep.removed}, {"failed", &rep.failed}, {"forgotten", &rep.forgotten}};
    for (const auto& [key, list] : lists) {
      json::array a;
      for (const tfm::registry_entry& e : *list) a.push_back(entry_json(e, now));
      o[key] = std::move(a);
    }
    o["bytes"] = static_cast<std::uint64_t>(rep.bytes);
    print_json(std::cout, o);
  } else if (!root.exists) {
    say_nothing_here(root);
  } else {
    if (opt.dry_run)
      for (const tfm::registry_entry& e : rep.removed)
        std::cout << "would remove " << (e.type == tfm::entry_type::directory ? "directory " : "file ")
                  << escape_text(e.path.string()) << " (" << e.bytes << " bytes, pid " << e.owner.pid
                  << (e.owner_alive ? ", alive" : ", dead") << ")\n";
    std::cout << (opt.dry_run ? "would sweep " : "swept ") << rep.removed.size()
              << (rep.removed.size() == 1 ? " entry, " : " entries, ") << rep.bytes << " bytes ("
              << human_bytes(rep.bytes) << ")";
    if (!rep.failed.empty()) std::cout << "; " << rep.failed.size() << " could not be removed";
    std::cout << "\n";
  }
  return rep.failed.empty() ? ok : partial;
}

int cmd_run(const std::vector<std::string>& args, root_option& root_opt) {
  std::vector<std::string> cmd;
  if (!parse_run_args(args, root_opt, cmd)) return ok;
  // The manager creates the root if it is missing (0700), and refuses it as the library does.
  std::unique_ptr<tfm::temp_file_manager> own;
  tfm::temp_file_manager* m = nullptr;
  try {
    if (!root_opt.given) {
      m = &tfm::get_temp_manager();
    } else {
      own.reset(new tfm::temp_file_manager("tempfm_", root_opt.dir));
      m = own.get();
    }
  } catch (const std::exception& e) {
    throw root_error(escape_text(e.what()));
  }
  tfm::temp_dir dir = m->create_temp_dir(std::string("run_"));
  const boost::filesystem::path tmpdir = dir.path();
  std::cout.flush();
  std::cerr.flush();
  int exec_errno = 0;
  const int status = run_child(cmd, tmpdir, exec_errno);
  boost::system::error_code ec;
  dir.remove(ec);
  if (ec) std::cerr << "tempfm: run: cannot remove " << escape_text(tmpdir.string()) << ": " << ec.message() << "\n";
  if (exec_errno != 0) {
    std::cerr << "tempfm: run: cannot execute " << escape_text(cmd[0]) << ": " << std::strerror(exec_errno) << "\n";
    return exec_errno == ENOENT ? 127 : 126;
  }
  return status;
}

int run_command(const std::string& command, const std::vector<std::string>& args, root_option& root) {
  if (command == "ls") return cmd_ls(args, root);
  if (command == "du") return cmd_du(args, root);
  if (command == "sweep") return cmd_sweep(args, root);
  return cmd_run(args, root);
}

bool is_command(const std::string& s) { return s == "ls" || s == "du" || s == "sweep" || s == "run"; }

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> argv_s(argv + (argc > 0 ? 1 : 0), argv + argc);
  std::string command;
  try {
    // Options before the command: --root DIR, --version, --help.
    root_option root;
    std::size_t i = 0;
    for (; i < argv_s.size() && argv_s[i].rfind("-", 0) == 0; ++i) {
      const std::string& a = argv_s[i];
      if (a == "--version" || a == "-V") {
        std::cout << version_line() << "\n";
        return ok;
      }
      if (a == "--help" || a == "-h") {
        std::cout << top_help;
        return ok;
      }
      if (a == "--root") {
        if (i + 1 == argv_s.size()) throw usage_error("--root needs a directory");
        root.set(argv_s[++i]);
      } else if (a.rfind("--root=", 0) == 0) {
        root.set(a.substr(7));
      } else {
        throw usage_error("unknown option '" + escape_text(a) + "'\n\n" + top_help);
      }
    }
    if (i == argv_s.size()) throw usage_error(std::string("a command is needed\n\n") + top_help);
    command = argv_s[i];
    std::vector<std::string> args(argv_s.begin() + static_cast<std::ptrdiff_t>(i + 1), argv_s.end());
    if (command == "help") {
      // tempfm help [COMMAND]
      if (args.empty()) {
        std::cout << top_help;
        return ok;
      }
      if (args.size() > 1 || !is_command(args[0]))
        throw usage_error("help takes one command: ls, du, sweep or run\n\n" + std::string(top_help));
      command = args[0];
      args = {"--help"};
    }
    if (!is_command(command)) {
      const std::string shown = escape_text(command);
      command.clear();
      throw usage_error("unknown command '" + shown + "'\n\n" + top_help);
    }
    return run_command(command, args, root);
  } catch (const usage_error& e) {
    std::cerr << "tempfm" << (command.empty() ? "" : " " + command) << ": " << e.what() << "\n";
    // The usage line of the command (none for `help`, whose errors already show the top help).
    const std::string help = command_help(command, "");
    if (!help.empty())
      std::cerr << help.substr(0, help.find('\n')) << "\n(tempfm " << command << " --help for more)\n";
    return usage;
  } catch (const std::exception& e) {
    // root_error, and filesystem errors of the library (which name the root).
    std::cerr << "tempfm" << (command.empty() ? "" : " " + command) << ": " << escape_text(e.what()) << "\n";
    return command == "run" ? 125 : bad_root;
  }
}
