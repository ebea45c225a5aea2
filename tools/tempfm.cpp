// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// tempfm: look at and clean a temp root shared by many processes.
//
//   tempfm ls    [--root DIR] [--json]
//   tempfm du    [--root DIR]
//   tempfm sweep [--root DIR] [--dry-run] [--all] [--older-than DURATION]
//   tempfm run   [--root DIR] -- CMD ARGS...
//
// Exit codes: 0 success; 1 some entries could not be removed (sweep); 2 usage (unknown
// subcommand, bad option, bad duration); 3 bad root; run: CMD's status (128+N when killed by
// signal N), 125 when tempfm itself failed, 126 CMD not executable, 127 CMD not found.
#include <boost_tempfm/tempfm.hpp>

#include <boost/filesystem/operations.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/utility/setup/console.hpp>
#include <boost/program_options.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace fs = boost::filesystem;
namespace po = boost::program_options;
namespace tfm = boost_tempfm;

namespace {

enum exit_code { ok = 0, partial = 1, usage = 2, bad_root = 3 };

struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct root_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const char* const top_help =
    "usage: tempfm <command> [options]\n"
    "\n"
    "Look at and clean a temp root shared by many processes (boost_tempfm).\n"
    "\n"
    "commands:\n"
    "  ls      every entry: owner pid, alive or dead, age, size, path\n"
    "  du      bytes per owner and in total\n"
    "  sweep   remove the entries of dead owners (or more, see --help)\n"
    "  run     run a command with TMPDIR set to a fresh managed directory\n"
    "\n"
    "The root is --root DIR, else $BOOST_TEMPFM_ROOT, else <system temp dir>/tempfm-<uid>.\n"
    "`tempfm <command> --help` describes each command.\n";

// "90", "90s", "15m", "2h", "7d", "1h30m" -> duration. Throws usage_error.
std::chrono::seconds parse_duration(const std::string& s) {
  if (s.empty()) throw usage_error("empty duration");
  std::chrono::seconds total{0};
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t j = i;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j == i) throw usage_error("bad duration '" + s + "': expected a number, e.g. 90s, 15m, 2h, 7d");
    if (j - i > 9) throw usage_error("bad duration '" + s + "': too large");
    const long long n = std::stoll(s.substr(i, j - i));
    long long mult = 1;
    if (j < s.size()) {
      switch (s[j]) {
        case 's': mult = 1; break;
        case 'm': mult = 60; break;
        case 'h': mult = 3600; break;
        case 'd': mult = 86400; break;
        default: throw usage_error("bad duration '" + s + "': unknown unit '" + s[j] + "' (use s, m, h or d)");
      }
      ++j;
    } else if (i != 0) {
      throw usage_error("bad duration '" + s + "': a unit is needed after the first part");
    }
    total += std::chrono::seconds(n * mult);
    i = j;
  }
  return total;
}

// The canonical root, which must exist.
fs::path resolve_root(const std::string& given) {
  fs::path root;
  if (!given.empty()) {
    root = given;
  } else if (const char* env = std::getenv("BOOST_TEMPFM_ROOT"); env && *env) {
    root = env;
  } else {
    boost::system::error_code ec;
    fs::path tmp = fs::temp_directory_path(ec);
    if (ec) throw root_error("no usable system temp directory: " + ec.message());
    root = tmp / ("tempfm-" + std::to_string(::geteuid()));
  }
  boost::system::error_code ec;
  const fs::file_status st = fs::status(root, ec);
  if (ec || !fs::exists(st)) throw root_error("no temp root at " + root.string() + (ec ? ": " + ec.message() : ""));
  if (!fs::is_directory(st)) throw root_error("the temp root " + root.string() + " is not a directory");
  fs::path canon = fs::canonical(root, ec);
  if (ec) throw root_error("cannot resolve the temp root " + root.string() + ": " + ec.message());
  return canon;
}

std::string human_bytes(std::uintmax_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  std::ostringstream o;
  if (u == 0)
    o << b << " B";
  else
    o << std::fixed << std::setprecision(1) << v << ' ' << units[u];
  return o.str();
}

std::string human_age(std::chrono::system_clock::duration d) {
  long long s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (s < 0) s = 0;
  std::ostringstream o;
  if (s < 60)
    o << s << "s";
  else if (s < 3600)
    o << s / 60 << "m" << s % 60 << "s";
  else if (s < 86400)
    o << s / 3600 << "h" << (s % 3600) / 60 << "m";
  else
    o << s / 86400 << "d" << (s % 86400) / 3600 << "h";
  return o.str();
}

std::string json_string(const std::string& s) {
  std::string o = "\"";
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\t': o += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          o += buf;
        } else {
          o += ch;
        }
    }
  }
  return o + "\"";
}

// Parses args (after the subcommand) with desc; prints help and returns false on --help.
bool parse(const std::vector<std::string>& args, po::options_description& desc, po::variables_map& vm,
           const std::string& synopsis) {
  desc.add_options()("help,h", "show this help");
  try {
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw usage_error(std::string(e.what()) + "\n" + synopsis);
  }
  if (vm.count("help")) {
    std::cout << synopsis << "\n" << desc;
    return false;
  }
  return true;
}

int cmd_ls(const std::vector<std::string>& args) {
  po::options_description desc("options");
  std::string root_opt;
  desc.add_options()("root", po::value(&root_opt), "the temp root")("json", "print JSON");
  po::variables_map vm;
  if (!parse(args, desc, vm, "usage: tempfm ls [--root DIR] [--json]\nEvery entry of the root's registry."))
    return ok;
  const fs::path root = resolve_root(root_opt);
  const std::vector<tfm::registry_entry> entries = tfm::list_entries(root);
  const auto now = std::chrono::system_clock::now();
  if (vm.count("json")) {
    std::cout << "[";
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const tfm::registry_entry& e = entries[i];
      const double created = std::chrono::duration<double>(e.created.time_since_epoch()).count();
      const double age = std::chrono::duration<double>(now - e.created).count();
      std::cout << (i ? ",\n " : "\n ") << "{\"path\": " << json_string(e.path.string())
                << ", \"type\": " << (e.type == tfm::entry_type::directory ? "\"directory\"" : "\"file\"")
                << ", \"pid\": " << e.owner.pid << ", \"pid_namespace\": " << e.owner.pid_namespace
                << ", \"instance\": \"" << std::hex << e.owner.instance << std::dec << "\""
                << ", \"alive\": " << (e.owner_alive ? "true" : "false") << std::fixed << std::setprecision(3)
                << ", \"created\": " << created << ", \"age_seconds\": " << age << ", \"bytes\": " << e.bytes
                << ", \"exists\": " << (e.exists ? "true" : "false") << "}";
    }
    std::cout << (entries.empty() ? "]\n" : "\n]\n");
    return ok;
  }
  std::cout << std::left << std::setw(8) << "PID" << std::setw(7) << "OWNER" << std::setw(9) << "AGE"
            << std::setw(11) << "SIZE" << std::setw(5) << "TYPE" << "PATH\n";
  for (const tfm::registry_entry& e : entries) {
    std::cout << std::left << std::setw(8) << e.owner.pid << std::setw(7) << (e.owner_alive ? "alive" : "dead")
              << std::setw(9) << human_age(now - e.created) << std::setw(11) << human_bytes(e.bytes)
              << std::setw(5) << (e.type == tfm::entry_type::directory ? "dir" : "file") << e.path.string()
              << (e.exists ? "" : " (missing)") << "\n";
  }
  std::cout << entries.size() << (entries.size() == 1 ? " entry" : " entries") << " in " << root.string() << "\n";
  return ok;
}

int cmd_du(const std::vector<std::string>& args) {
  po::options_description desc("options");
  std::string root_opt;
  desc.add_options()("root", po::value(&root_opt), "the temp root");
  po::variables_map vm;
  if (!parse(args, desc, vm, "usage: tempfm du [--root DIR]\nBytes held per owner and in total.")) return ok;
  const fs::path root = resolve_root(root_opt);
  struct usage_row {
    bool alive = false;
    std::size_t entries = 0;
    std::uintmax_t bytes = 0;
  };
  std::map<std::pair<std::uint32_t, std::uint64_t>, usage_row> per_owner;  // pid, instance
  std::uintmax_t total = 0;
  for (const tfm::registry_entry& e : tfm::list_entries(root)) {
    usage_row& r = per_owner[{e.owner.pid, e.owner.instance}];
    r.alive = r.alive || e.owner_alive;
    ++r.entries;
    r.bytes += e.bytes;
    total += e.bytes;
  }
  std::cout << std::left << std::setw(8) << "PID" << std::setw(7) << "OWNER" << std::setw(9) << "ENTRIES"
            << "BYTES\n";
  for (const auto& kv : per_owner)
    std::cout << std::left << std::setw(8) << kv.first.first << std::setw(7) << (kv.second.alive ? "alive" : "dead")
              << std::setw(9) << kv.second.entries << kv.second.bytes << " (" << human_bytes(kv.second.bytes)
              << ")\n";
  std::cout << "total " << total << " (" << human_bytes(total) << ") in " << root.string() << "\n";
  return ok;
}

int cmd_sweep(const std::vector<std::string>& args) {
  po::options_description desc("options");
  std::string root_opt, older;
  desc.add_options()("root", po::value(&root_opt), "the temp root")(
      "dry-run,n", "show what would be removed, remove nothing")(
      "all", "every entry, also those of live owners")(
      "older-than", po::value(&older), "only entries older than DURATION (e.g. 90s, 15m, 2h, 7d, 1h30m)");
  po::variables_map vm;
  if (!parse(args, desc, vm,
             "usage: tempfm sweep [--root DIR] [--dry-run] [--all] [--older-than DURATION]\n"
             "Remove the entries of dead owners (crashed or killed processes) and their files."))
    return ok;
  tfm::sweep_options opt;
  opt.dry_run = vm.count("dry-run") != 0;
  opt.all = vm.count("all") != 0;
  opt.measure = true;  // report the bytes freed
  if (vm.count("older-than")) opt.older_than = parse_duration(older);
  const fs::path root = resolve_root(root_opt);
  // Each removal is logged to stderr.
  namespace expr = boost::log::expressions;
  boost::log::add_console_log(std::clog, boost::log::keywords::filter =
                                             expr::attr<std::string>("Channel") == tfm::log_channel(),
                              boost::log::keywords::format = expr::stream << "tempfm: " << expr::smessage);
  const tfm::sweep_report rep = tfm::sweep(root, opt);
  if (opt.dry_run)
    for (const tfm::registry_entry& e : rep.removed)
      std::cout << "would remove " << (e.type == tfm::entry_type::directory ? "directory " : "file ")
                << e.path.string() << " (" << e.bytes << " bytes, pid " << e.owner.pid
                << (e.owner_alive ? ", alive" : ", dead") << ")\n";
  std::cout << (opt.dry_run ? "would sweep " : "swept ") << rep.removed.size()
            << (rep.removed.size() == 1 ? " entry, " : " entries, ") << rep.bytes << " bytes ("
            << human_bytes(rep.bytes) << ")";
  if (!rep.failed.empty()) std::cout << "; " << rep.failed.size() << " could not be removed";
  std::cout << "\n";
  return rep.failed.empty() ? ok : partial;
}

volatile sig_atomic_t forwarded_child = 0;
void forward_signal(int sig) {
  if (forwarded_child > 0) ::kill(forwarded_child, sig);
}

int cmd_run(const std::vector<std::string>& args) {
  std::vector<std::string> opts, cmd;
  bool after = false;
  for (const std::string& a : args) {
    if (!after && a == "--") {
      after = true;
      continue;
    }
    (after ? cmd : opts).push_back(a);
  }
  po::options_description desc("options");
  std::string root_opt;
  desc.add_options()("root", po::value(&root_opt), "the temp root");
  po::variables_map vm;
  const std::string synopsis =
      "usage: tempfm run [--root DIR] -- CMD ARGS...\n"
      "Run CMD with TMPDIR set to a fresh managed directory, remove it afterwards whatever CMD does,\n"
      "and exit with CMD's status (128+N if a signal N ended it).";
  if (!parse(opts, desc, vm, synopsis)) return ok;
  if (cmd.empty()) throw usage_error("run needs a command after --\n" + synopsis);
  fs::path base;
  if (!root_opt.empty()) base = resolve_root(root_opt);
  std::unique_ptr<tfm::temp_file_manager> own;
  tfm::temp_file_manager* m = nullptr;
  try {
    if (base.empty()) {
      m = &tfm::get_temp_manager();
    } else {
      own.reset(new tfm::temp_file_manager("tempfm_", base));
      m = own.get();
    }
  } catch (const std::exception& e) {
    throw root_error(e.what());
  }
  tfm::temp_dir dir = m->create_temp_dir(std::string("run_"));
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  std::vector<char*> argv;
  for (std::string& a : cmd) argv.push_back(&a[0]);
  argv.push_back(nullptr);
  const std::string tmpdir = dir.path().string();
  std::cout.flush();
  std::cerr.flush();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::close(err_pipe[0]);
    ::setenv("TMPDIR", tmpdir.c_str(), 1);
    ::execvp(argv[0], argv.data());
    const int e = errno;
    ssize_t w = ::write(err_pipe[1], &e, sizeof e);
    (void)w;
    ::_exit(127);
  }
  ::close(err_pipe[1]);
  // Like system(): the terminal's SIGINT/SIGQUIT reach the child by themselves; SIGTERM and SIGHUP
  // sent to us are passed on, so the directory is still removed after the child ends.
  forwarded_child = pid;
  struct sigaction ign, fwd, old_int, old_quit, old_term, old_hup;
  std::memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  std::memset(&fwd, 0, sizeof fwd);
  fwd.sa_handler = forward_signal;
  ::sigaction(SIGINT, &ign, &old_int);
  ::sigaction(SIGQUIT, &ign, &old_quit);
  ::sigaction(SIGTERM, &fwd, &old_term);
  ::sigaction(SIGHUP, &fwd, &old_hup);
  int exec_errno = 0;
  ssize_t n;
  do {
    n = ::read(err_pipe[0], &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  ::close(err_pipe[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  forwarded_child = 0;
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGQUIT, &old_quit, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  ::sigaction(SIGHUP, &old_hup, nullptr);
  boost::system::error_code ec;
  dir.remove(ec);
  if (ec) std::cerr << "tempfm: run: cannot remove " << tmpdir << ": " << ec.message() << "\n";
  if (n == sizeof exec_errno) {
    std::cerr << "tempfm: run: cannot execute " << cmd[0] << ": " << std::strerror(exec_errno) << "\n";
    return exec_errno == ENOENT ? 127 : 126;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 125;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string sub = argc > 1 ? argv[1] : "";
  const std::vector<std::string> args(argv + (argc > 1 ? 2 : 1), argv + argc);
  try {
    if (sub == "ls") return cmd_ls(args);
    if (sub == "du") return cmd_du(args);
    if (sub == "sweep") return cmd_sweep(args);
    if (sub == "run") return cmd_run(args);
    if (sub == "--help" || sub == "-h" || sub == "help") {
      std::cout << top_help;
      return ok;
    }
    std::cerr << "tempfm: " << (sub.empty() ? std::string("a command is needed") : "unknown command '" + sub + "'")
              << "\n\n"
              << top_help;
    return usage;
  } catch (const usage_error& e) {
    std::cerr << "tempfm " << sub << ": " << e.what() << "\n";
    return usage;
  } catch (const root_error& e) {
    std::cerr << "tempfm " << sub << ": " << e.what() << "\n";
    return sub == "run" ? 125 : bad_root;
  } catch (const std::exception& e) {
    std::cerr << "tempfm " << sub << ": " << e.what() << "\n";
    return sub == "run" ? 125 : bad_root;
  }
}
