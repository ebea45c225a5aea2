// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// tempfm's output: text escaped for the terminal, JSON through Boost.JSON, sizes, ages, the log sink.
#include "cli.hpp"

#include <boost_tempfm/log.hpp>

#include <boost/filesystem/path.hpp>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/log/attributes/value_extraction.hpp>
#include <boost/log/core/record_view.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/utility/formatting_ostream.hpp>
#include <boost/log/utility/setup/console.hpp>

#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace json = boost::json;

namespace tempfm_cli {

namespace {

// The length of the valid UTF-8 sequence at s[i] and its code point in cp; 0 if none starts there.
std::size_t utf8_sequence(std::string_view s, std::size_t i, std::uint32_t& cp) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  std::uint32_t min = 0;
  if (c < 0x80) {
    cp = c;
    return 1;
  } else if ((c & 0xE0u) == 0xC0u) {
    n = 2, cp = c & 0x1Fu, min = 0x80;
  } else if ((c & 0xF0u) == 0xE0u) {
    n = 3, cp = c & 0x0Fu, min = 0x800;
  } else if ((c & 0xF8u) == 0xF0u) {
    n = 4, cp = c & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() - i < n) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0u) != 0x80u) return 0;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

void append_hex_byte(std::string& o, char ch) {
  static const char digits[] = "0123456789abcdef";
  const auto c = static_cast<unsigned char>(ch);
  o += digits[c >> 4];
  o += digits[c & 0xFu];
}

}  // namespace

// Where '\\' separates path components (Windows, whose names cannot hold control characters), it
// is shown as it is; elsewhere it is escaped, so that "\\xNN" always means an escaped byte.
constexpr bool backslash_separates = boost::filesystem::path::preferred_separator == '\\';

std::string escape_text(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const char ch = s[i];
    std::uint32_t cp = 0;
    const std::size_t n = utf8_sequence(s, i, cp);
    if (ch == '\\' && !backslash_separates) {
      o += "\\\\";
    } else if (ch == '\n') {
      o += "\\n";
    } else if (ch == '\t') {
      o += "\\t";
    } else if (ch == '\r') {
      o += "\\r";
    } else if (n == 0 || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
      // An invalid byte, or a control character (C0, DEL, C1): each byte as \xNN.
      const std::size_t bytes = n == 0 ? 1 : n;
      for (std::size_t k = 0; k < bytes; ++k) {
        o += "\\x";
        append_hex_byte(o, s[i + k]);
      }
      i += bytes;
      continue;
    } else {
      o.append(s.substr(i, n));
      i += n;
      continue;
    }
    ++i;
  }
  return o;
}

bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp = 0;
    const std::size_t n = utf8_sequence(s, i, cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string to_valid_utf8(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp = 0;
    const std::size_t n = utf8_sequence(s, i, cp);
    if (n == 0) {
      o += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    } else {
      o.append(s.substr(i, n));
      i += n;
    }
  }
  return o;
}

void put_path(json::object& obj, const std::string& key, const std::string& path) {
  if (is_valid_utf8(path)) {
    obj[key] = path;
    return;
  }
  obj[key] = to_valid_utf8(path);
  std::string hex;
  hex.reserve(path.size() * 2);
  for (char ch : path) append_hex_byte(hex, ch);
  obj[key + "_hex"] = hex;
}

json::object entry_json(const boost_tempfm::registry_entry& e, std::chrono::system_clock::time_point now) {
  json::object o;
  put_path(o, "path", e.path.string());
  o["type"] = e.type == boost_tempfm::entry_type::directory ? "directory" : "file";
  o["pid"] = e.owner.pid;
  o["pid_namespace"] = e.owner.pid_namespace;
  std::ostringstream instance;
  instance << std::hex << e.owner.instance;
  o["instance"] = instance.str();
  o["alive"] = e.owner_alive;
  // Seconds, rounded to the millisecond.
  const auto ms = [](std::chrono::system_clock::duration d) {
    return static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) / 1000.0;
  };
  o["created"] = ms(e.created.time_since_epoch());
  o["age_seconds"] = ms(now - e.created);
  o["bytes"] = static_cast<std::uint64_t>(e.bytes);
  o["exists"] = e.exists;
  if (e.error) o["error"] = to_valid_utf8(e.error.message());
  if (!e.reason.empty()) o["reason"] = to_valid_utf8(e.reason);
  return o;
}

namespace {

bool holds_containers(const json::value& v) {
  if (const json::array* a = v.if_array()) {
    for (const json::value& x : *a)
      if (x.is_structured()) return true;
  } else if (const json::object* o = v.if_object()) {
    for (const json::key_value_pair& kv : *o)
      if (kv.value().is_structured()) return true;
  }
  return false;
}

void print_value(std::ostream& os, const json::value& v, const std::string& indent) {
  if (!holds_containers(v)) {
    os << json::serialize(v);
    return;
  }
  const std::string inner = indent + "  ";
  bool first = true;
  if (const json::array* a = v.if_array()) {
    os << "[";
    for (const json::value& x : *a) {
      os << (first ? "\n" : ",\n") << inner;
      print_value(os, x, inner);
      first = false;
    }
    os << "\n" << indent << "]";
  } else {
    os << "{";
    for (const json::key_value_pair& kv : v.get_object()) {
      os << (first ? "\n" : ",\n") << inner << json::serialize(json::string_view(kv.key())) << ": ";
      print_value(os, kv.value(), inner);
      first = false;
    }
    os << "\n" << indent << "}";
  }
}

}  // namespace

void print_json(std::ostream& os, const json::value& v) {
  print_value(os, v, "");
  os << "\n";
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

namespace {

// The record's message already starts with "boost_tempfm: ": it is printed alone, escaped.
void format_record(const boost::log::record_view& rec, boost::log::formatting_ostream& os) {
  if (const auto message = boost::log::extract<std::string>("Message", rec)) os << escape_text(*message);
}

}  // namespace

void add_log_sink() {
  namespace expr = boost::log::expressions;
  boost::log::add_console_log(std::clog,
                              boost::log::keywords::filter =
                                  expr::attr<std::string>("Channel") == boost_tempfm::log_channel(),
                              boost::log::keywords::format = &format_record);
}

}  // namespace tempfm_cli
