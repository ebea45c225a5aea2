// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
//
// Which sinks an opened Boost.Log record goes to. Boost.Log 1.81's core::open_record
// (src/core.cpp) asks every added sink whether it will consume the record, or, when no sink is
// added, its built-in default sink (src/default_sink.cpp), which has no filter: it accepts every
// record and prints it on stdout. The record it returns lists the sinks that accepted it. That list
// is private, and Boost.Log has no public way to list the core's sinks or to tell the default sink
// from a sink an application added without a filter (both accept every record without looking at
// it). So this file reads the record's first accepting sink from Boost.Log's record layout:
//
//   record::m_impl -> record_view::private_data  (src/core.cpp), which derives from
//                     record_view::public_data   (boost/log/core/record_view.hpp):
//     public_data:  boost::detail::atomic_count m_ref_counter; attribute_value_set m_attribute_values;
//     private_data: uint32_t m_accepting_sink_count; const uint32_t m_accepting_sink_capacity;
//                   bool m_detach_from_thread_needed;
//     then, at sizeof(private_data) + alignment_gap_between<private_data, sink_ptr>::value, the
//     accepting sinks: weak_ptr<sinks::sink>[capacity], the first m_accepting_sink_count of them set.
//
// record::attribute_values() is a reference to m_attribute_values, so the first accepting sink is
// at a fixed distance from it. A record that open_record returns non-empty has at least one
// accepting sink (it destroys records no sink accepted), and the default sink is only ever asked
// when the sink list is empty, so it is then the first and only one.
//
// The default sink is recognised by its dynamic type, boost::log::<v2...>::sinks::aux::default_sink
// (a class of Boost.Log's sources, not of its headers), once: it is made with the core and lives as
// long as the core, so no other sink can ever have its address, and the address is kept. Sinks met
// that are not it are remembered too (the last one), so a steady application sink costs one
// compare.
//
// The layout is that of every Boost.Log from 1.70 to 1.86 (record_view::private_data unchanged);
// Boost's shared libraries carry their full version in their soname (libboost_log.so.1.81.0), so a
// build against the 1.81 headers runs with the 1.81 core.cpp. Another version must be checked
// against its src/core.cpp and boost/log/core/record_view.hpp before the version test below is
// widened. test_log checks the outcome in real processes: an application's sink gets the records,
// and with no sink nothing reaches stdout.
#include "detail/default_sink.hpp"

#include <boost/log/attributes/attribute_value_set.hpp>
#include <boost/log/sinks/sink.hpp>
#include <boost/smart_ptr/detail/atomic_count.hpp>
#include <boost/smart_ptr/shared_ptr.hpp>
#include <boost/smart_ptr/weak_ptr.hpp>
#include <boost/version.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <typeinfo>

#if BOOST_VERSION / 100 != 1081
#error "libs/default_sink.cpp reads Boost.Log 1.81's record layout: check it against this Boost version first"
#endif
#if defined(BOOST_LOG_NO_THREADS)
#error "libs/default_sink.cpp expects the multithreaded Boost.Log (record_view::public_data differs without threads)"
#endif

namespace boost_tempfm {
namespace detail {
namespace {

namespace bl = boost::log;
using sink_ptr = boost::weak_ptr<bl::sinks::sink>;

// Same members, same order as record_view::public_data and record_view::private_data of 1.81.
struct public_data_layout {
  explicit public_data_layout(long v) : ref_counter(v) {}
  boost::detail::atomic_count ref_counter;
  bl::attribute_value_set attribute_values;
};
struct private_data_layout : public_data_layout {
  private_data_layout() : public_data_layout(1) {}
  std::uint32_t accepting_sink_count = 0;
  const std::uint32_t accepting_sink_capacity = 0;
  bool detach_from_thread_needed = false;
};
static_assert(sizeof(sink_ptr) == 2 * sizeof(void*), "boost::weak_ptr is a pointer and a count");
// No tail padding in public_data, so private_data's members follow it the same way whether or not
// the compiler counts the base as POD for layout.
static_assert(sizeof(public_data_layout) == 2 * sizeof(void*), "public_data: a counter and one pointer");

constexpr std::size_t values_offset = offsetof(public_data_layout, attribute_values);
constexpr std::size_t gap = sizeof(private_data_layout) % alignof(sink_ptr) == 0
                                ? 0
                                : alignof(sink_ptr) - sizeof(private_data_layout) % alignof(sink_ptr);
constexpr std::size_t first_sink_offset = sizeof(private_data_layout) + gap;

std::atomic<const void*> default_sink_address{nullptr};  // once seen
std::atomic<const void*> other_sink_address{nullptr};    // the last sink seen that is not it

bool is_default_sink_type(const std::type_info& t) noexcept {
  // Itanium mangling: N5boost3log<inline namespace>5sinks3aux12default_sinkE.
  const char* n = t.name();
  static const char prefix[] = "N5boost3log";
  static const char suffix[] = "5sinks3aux12default_sinkE";
  const std::size_t len = std::strlen(n);
  return len > sizeof prefix + sizeof suffix && std::strncmp(n, prefix, sizeof prefix - 1) == 0 &&
         std::strcmp(n + len - (sizeof suffix - 1), suffix) == 0;
}

}  // namespace

bool only_default_sink(const bl::record& rec) noexcept {
  const char* values = reinterpret_cast<const char*>(&rec.attribute_values());
  const char* first = values - values_offset + first_sink_offset;
  const void* sink;  // the weak_ptr's stored pointer, its first member
  std::memcpy(&sink, first, sizeof sink);
  const void* known_default = default_sink_address.load(std::memory_order_relaxed);
  if (sink == known_default) return true;
  if (known_default || sink == other_sink_address.load(std::memory_order_relaxed)) return false;
  const boost::shared_ptr<bl::sinks::sink> s = reinterpret_cast<const sink_ptr*>(first)->lock();
  if (!s) return false;  // an application's sink destroyed meanwhile: the push skips it
  if (s.get() != sink) return true;  // not the layout above: deliver nothing rather than risk stdout
  const bl::sinks::sink& object = *s;
  const bool is_default = is_default_sink_type(typeid(object));
  (is_default ? default_sink_address : other_sink_address).store(sink, std::memory_order_relaxed);
  return is_default;
}

}  // namespace detail
}  // namespace boost_tempfm
