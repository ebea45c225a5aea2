// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_LIBS_SIGNAL_LIST_HPP
#define BOOST_TEMPFM_LIBS_SIGNAL_LIST_HPP

#include <string>

namespace boost_tempfm {
namespace detail {

// The paths a signal handler may remove: a lock-free list that the handler only reads. Nodes are
// never freed (they are recycled), so the handler can walk the list at any moment.
struct signal_node;

// True once install_signal_cleanup() ran.
bool signal_cleanup_enabled() noexcept;

// Publishes path (owned by this process) for the handler; nullptr when cleanup is not enabled.
signal_node* signal_attach(const std::string& path);

// Withdraws it (the path was removed, released or is about to be removed normally).
void signal_detach(signal_node* n) noexcept;

}  // namespace detail
}  // namespace boost_tempfm

#endif
