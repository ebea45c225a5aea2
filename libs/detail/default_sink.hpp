// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LIBS_DEFAULT_SINK_HPP
#define BOOST_TEMPFM_LIBS_DEFAULT_SINK_HPP

#include <boost/log/core/record.hpp>

namespace boost_tempfm {
namespace detail {

// Whether `rec`, just opened by boost::log::core::open_record and not empty, would go to
// Boost.Log's built-in default sink: the sink the core uses, for every record, while no sink is
// added (it prints each record on stdout). A record the default sink accepted is accepted by no
// other sink, so such a record is one to drop. Cheap: two pointer loads and a compare, plus, the
// first time a sink is met, a look at its dynamic type. Thread-safe, never throws.
// Boost.Log has no public way to tell (boostorg/log#184: the sinks cannot be listed): this reads
// the record's private list of accepting sinks, with the layout of Boost.Log 1.81 (see the .cpp).
bool only_default_sink(const boost::log::record& rec) noexcept;

}  // namespace detail
}  // namespace boost_tempfm

#endif
