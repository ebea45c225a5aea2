// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include "detail/manager_state.hpp"

#include "detail/log_impl.hpp"

#include <unistd.h>

#include <utility>

namespace boost_tempfm {
namespace detail {

manager_state::manager_state(std::string prefix, boost::filesystem::path root, std::size_t name_max)
    : prefix_(std::move(prefix)), root_(std::move(root)), name_max_(name_max) {
  register_state(this);
}

manager_state::~manager_state() { unregister_state(this); }

std::uint64_t manager_state::track(const boost::filesystem::path& p, entry_kind kind) {
  const pid_t self = ::getpid();
  std::lock_guard<std::mutex> g(mu_);
  auto res = entries_.emplace(p.native(), entry{next_id_, kind, self});
  if (!res.second) {
    if (res.first->second.owner == self) return 0;
    res.first->second = entry{next_id_, kind, self};  // inherited through fork: now ours
  }
  return next_id_++;
}

void manager_state::untrack(const boost::filesystem::path& p, std::uint64_t id) noexcept {
  std::lock_guard<std::mutex> g(mu_);
  auto it = entries_.find(p.native());
  if (it != entries_.end() && it->second.id == id) entries_.erase(it);
}

boost::system::error_code manager_state::remove_one(const boost::filesystem::path& p, std::uint64_t id,
                                                    cleanup_reason why) noexcept {
  entry e;
  {
    std::lock_guard<std::mutex> g(mu_);
    auto it = entries_.find(p.native());
    if (it == entries_.end() || it->second.id != id) return {};  // released or removed already
    e = it->second;
    entries_.erase(it);
  }
  if (e.owner != ::getpid()) return {};  // the parent's, seen from a forked child: not ours
  const removal_result r = remove_tree(p);
  log_removal(p, r, why);
  if (r.ec) {
    try {
      std::lock_guard<std::mutex> g(mu_);
      entries_.emplace(p.native(), e);
    } catch (...) {
    }
  }
  return r.ec;
}

std::vector<removal_failure> manager_state::remove_all(cleanup_reason why) noexcept {
  std::vector<removal_failure> failures;
  std::unordered_map<std::string, entry> mine;
  const pid_t self = ::getpid();
  {
    std::lock_guard<std::mutex> g(mu_);
    mine.swap(entries_);
  }
  for (auto it = mine.begin(); it != mine.end();) {
    if (it->second.owner != self) {
      it = mine.erase(it);
      continue;
    }
    const boost::filesystem::path p(it->first);
    const removal_result r = remove_tree(p);
    log_removal(p, r, why);
    if (r.ec) {
      try {
        failures.push_back(removal_failure{p, r.ec});
      } catch (...) {
      }
      ++it;  // keep it: tracked again below
    } else {
      it = mine.erase(it);
    }
  }
  if (!mine.empty()) {
    std::lock_guard<std::mutex> g(mu_);
    for (auto& kv : mine) {
      try {
        entries_.insert(std::move(kv));
      } catch (...) {
      }
    }
  }
  return failures;
}

std::size_t manager_state::size() const {
  std::lock_guard<std::mutex> g(mu_);
  return entries_.size();
}

}  // namespace detail
}  // namespace boost_tempfm
