// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include "detail/manager_state.hpp"

#include "detail/errors.hpp"
#include "detail/log_impl.hpp"

#include <boost_tempfm/registry.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace boost_tempfm {
namespace detail {

namespace {

std::uint32_t self_pid() { return current_process().pid; }

entry_type to_entry_type(entry_kind k) { return k == entry_kind::directory ? entry_type::directory : entry_type::file; }

// Registers a name in the registry before create_unique makes it, and unregisters it if it
// could not be made.
class registering_observer final : public create_observer {
 public:
  registering_observer(registry& r, entry_kind kind) : r_(r), kind_(kind) {}
  void before_create(const boost::filesystem::path& p) override {
    ref = r_.add(p.native(), to_entry_type(kind_), format::flag_created);
  }
  void not_created(const boost::filesystem::path&) noexcept override {
    r_.remove(ref);
    ref = registry_ref{};
  }
  registry_ref ref;

 private:
  registry& r_;
  entry_kind kind_;
};

}  // namespace

manager_state::manager_state(std::string prefix, boost::filesystem::path root, std::size_t name_max,
                             startup_sweep sweep_at_start)
    : prefix_(std::move(prefix)), root_(std::move(root)), name_max_(name_max) {
  registry_ = registry::open(root_);
  root_fd_ = ::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd_ < 0) throw_errno("cannot open the temp root", root_, errno);
  register_state(this);
  // The next run of a crashed tool cleans up after the crashed one; by default a bounded part of
  // it, so that a root full of orphans does not hold up the start (tempfm sweep does the rest).
  if (sweep_at_start == startup_sweep::none) return;
  try {
    sweep_options o;
    o.limit = sweep_at_start == startup_sweep::bounded ? startup_sweep_limit : 0;
    (void)boost_tempfm::sweep(root_, o);
  } catch (const std::exception& e) {
    log_message(log_level::warning, std::string("boost_tempfm: sweep at start failed: ") + e.what());
  }
}

manager_state::~manager_state() {
  unregister_state(this);
  if (root_fd_ >= 0) ::close(root_fd_);
}

std::uint64_t manager_state::insert(const std::string& p, entry_kind kind, registry_ref ref) {
  const std::uint32_t self = self_pid();
  signal_node* sig = signal_attach(p);
  std::lock_guard<std::mutex> g(mu_);
  auto res = entries_.emplace(p, entry{next_id_, kind, self, ref, sig});
  if (!res.second) res.first->second = entry{next_id_, kind, self, ref, sig};  // inherited through fork: now ours
  return next_id_++;
}

void manager_state::attach_signal_nodes() {
  const std::uint32_t self = self_pid();
  std::lock_guard<std::mutex> g(mu_);
  for (auto& kv : entries_)
    if (kv.second.owner == self && !kv.second.sig) kv.second.sig = signal_attach(kv.first);
}

std::pair<boost::filesystem::path, std::uint64_t> manager_state::create(const std::string& prefix,
                                                                        const std::string& suffix, entry_kind kind) {
  registering_observer obs(*registry_, kind);
  boost::filesystem::path p = create_unique(root_, prefix, suffix, kind, name_max_, random_digits, &obs);
  try {
    const std::uint64_t id = insert(p.native(), kind, obs.ref);
    return {std::move(p), id};
  } catch (...) {
    (void)remove_tree(p, false);
    registry_->remove(obs.ref);
    throw;
  }
}

void manager_state::track_existing(const boost::filesystem::path& p, entry_kind kind, const format::identity& id) {
  const std::uint32_t self = self_pid();
  {
    std::lock_guard<std::mutex> g(mu_);
    auto it = entries_.find(p.native());
    if (it != entries_.end() && it->second.owner == self) return;
  }
  const registry_ref ref = registry_->add(p.native(), to_entry_type(kind), format::flag_identity, id);
  signal_node* sig = signal_attach(p.native());
  std::lock_guard<std::mutex> g(mu_);
  auto res = entries_.emplace(p.native(), entry{next_id_, kind, self, ref, sig});
  if (!res.second) {
    if (res.first->second.owner == self) {  // another thread tracked it meanwhile
      registry_->remove(ref);
      signal_detach(sig);
      return;
    }
    res.first->second = entry{next_id_, kind, self, ref, sig};
  }
  ++next_id_;
}

void manager_state::untrack(const boost::filesystem::path& p, std::uint64_t id) noexcept {
  registry_ref ref;
  signal_node* sig = nullptr;
  {
    std::lock_guard<std::mutex> g(mu_);
    auto it = entries_.find(p.native());
    if (it == entries_.end() || it->second.id != id) return;
    if (it->second.owner == self_pid()) ref = it->second.ref;
    sig = it->second.sig;
    entries_.erase(it);
  }
  signal_detach(sig);
  if (ref.slot) registry_->remove(ref);
}

removal_result manager_state::remove_path(const std::string& p, cleanup_reason why) noexcept {
  return remove_logged(boost::filesystem::path(p), why, root_fd_, root_);
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
  if (e.owner != self_pid()) {  // the parent's, seen from a forked child: not ours
    signal_detach(e.sig);
    return {};
  }
  const removal_result r = remove_path(p.native(), why);
  if (r.ec) {
    try {
      std::lock_guard<std::mutex> g(mu_);
      entries_.emplace(p.native(), e);
    } catch (...) {
    }
    return r.ec;
  }
  signal_detach(e.sig);
  registry_->remove(e.ref);
  return {};
}

std::vector<removal_failure> manager_state::remove_all(cleanup_reason why) noexcept {
  std::vector<removal_failure> failures;
  std::unordered_map<std::string, entry> mine;
  const std::uint32_t self = self_pid();
  {
    std::lock_guard<std::mutex> g(mu_);
    mine.swap(entries_);
  }
  std::vector<registry_ref> removed;
  auto remove_entry = [&](const std::string& path, entry& e) {
    const removal_result r = remove_path(path, why);
    if (r.ec) {
      try {
        failures.push_back(removal_failure{path, r.ec});
      } catch (...) {
      }
      return;  // stays in `mine`: tracked again below
    }
    signal_detach(e.sig);
    e.sig = nullptr;
    try {
      removed.push_back(e.ref);
    } catch (...) {
      registry_->remove(e.ref);
    }
    e.owner = 0;  // removed: dropped below
  };
  try {
    // In creation order (ids grow): on a disk, neighbouring inodes go together.
    std::vector<std::pair<std::uint64_t, std::pair<const std::string, entry>*>> order;
    order.reserve(mine.size());
    removed.reserve(mine.size());
    for (auto& kv : mine)
      if (kv.second.owner == self) order.emplace_back(kv.second.id, &kv);
    std::sort(order.begin(), order.end(),
              [](const auto& x, const auto& y) { return x.first < y.first; });
    for (auto& o : order) remove_entry(o.second->first, o.second->second);
  } catch (...) {
    for (auto& kv : mine)  // no memory to sort: in any order
      if (kv.second.owner == self) remove_entry(kv.first, kv.second);
  }
  for (auto it = mine.begin(); it != mine.end();) {
    if (it->second.owner != self) {  // removed now, or inherited through fork (forgotten)
      signal_detach(it->second.sig);
      it = mine.erase(it);
    } else {
      ++it;
    }
  }
  registry_->remove_all(removed);
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
