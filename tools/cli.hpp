// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// The parts of the tempfm tool shared by its sources: exit codes and errors, argument parsing
// (cli_args.cpp), and output: escaping for the terminal, JSON, sizes and ages (cli_output.cpp).
#ifndef BOOST_TEMPFM_TOOLS_CLI_HPP
#define BOOST_TEMPFM_TOOLS_CLI_HPP

#include <boost_tempfm/registry.hpp>

#include <boost/filesystem/path.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tempfm_cli {

enum exit_code { ok = 0, partial = 1, usage = 2, bad_root = 3 };

struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct root_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---- cli_args.cpp ----

// "tempfm (boost_tempfm) M.m.p", from the BOOST_TEMPFM_VERSION_* macros of config.hpp.
std::string version_line();

// The top-level help, and the help of each command (usage line, what it does, exit codes).
extern const char* const top_help;
// The help of a command: usage, what it does, options (as given), exit codes. "" if unknown.
std::string command_help(const std::string& command, const std::string& options);

// "90", "90s", "15m", "2h", "7d", "1h30m" -> duration. Throws usage_error, also when the total
// does not fit std::chrono::system_clock::duration (about 106751 days).
std::chrono::seconds parse_duration(const std::string& s);

// The --root given before the command (root_given) and the one given after it are merged: giving
// it twice is a usage error, so is an empty DIR.
struct root_option {
  std::string dir;
  bool given = false;
  void set(const std::string& value);
};

// Parses the options of ls, du or sweep (desc gets --root and --help added); an argument that is
// no option is a usage error. Prints the help and returns false on --help.
bool parse_options(const std::string& command, const std::vector<std::string>& args,
                   boost::program_options::options_description& desc,
                   boost::program_options::variables_map& vm, root_option& root);

// tempfm run [--root DIR] [--] CMD ARGS...: options are recognised only before CMD. Returns false
// (after printing the help) on --help; throws usage_error when CMD is missing.
bool parse_run_args(const std::vector<std::string>& args, root_option& root, std::vector<std::string>& cmd);

// ---- cli_output.cpp ----

// Text for a terminal or a log: `\` as `\\`, newline, tab and carriage return as `\n`, `\t`, `\r`,
// other control characters (C0, DEL, C1) and every byte that is not part of valid UTF-8 as `\xNN`.
// Valid UTF-8 is kept as is. The result never holds a control character.
std::string escape_text(std::string_view s);

// Whether s is valid UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
bool is_valid_utf8(std::string_view s);
// s with each byte that is not part of valid UTF-8 replaced by U+FFFD.
std::string to_valid_utf8(std::string_view s);

// obj[key] = the path as a JSON string; when it is not valid UTF-8, that string has U+FFFD for
// each invalid byte and obj[key + "_hex"] holds every byte of the path as lowercase hex.
void put_path(boost::json::object& obj, const std::string& key, const std::string& path);

// One registry entry as a JSON object (path, type, pid, pid_namespace, instance, alive, created,
// age_seconds, bytes, exists; error and reason when set).
boost::json::object entry_json(const boost_tempfm::registry_entry& e, std::chrono::system_clock::time_point now);

// JSON from Boost.JSON's serializer: a container holding containers gets one member per line,
// the others are printed on one line. Ends with a newline.
void print_json(std::ostream& os, const boost::json::value& v);

std::string human_bytes(std::uintmax_t b);
std::string human_age(std::chrono::system_clock::duration d);

// A Boost.Log sink on std::clog for boost_tempfm's records: each line is the record's message
// ("boost_tempfm: removed ..."), escaped with escape_text.
void add_log_sink();

// Runs cmd (searched in PATH) with the temporary directory tmpdir as its TMPDIR (Windows: TMP and
// TEMP too) and waits for it, passing on what should end it (POSIX: SIGTERM and SIGHUP; the
// terminal's SIGINT and SIGQUIT, like the console's Ctrl-C on Windows, reach it by themselves and
// are ignored here meanwhile). Returns its exit status as a shell says it (128 + the signal that
// ended it; 125 if neither); when it could not be started, exec_errno is set (and -1 returned).
// run_posix.cpp, run_windows.cpp.
int run_child(std::vector<std::string>& cmd, const boost::filesystem::path& tmpdir, int& exec_errno);

}  // namespace tempfm_cli

#endif  // BOOST_TEMPFM_TOOLS_CLI_HPP
