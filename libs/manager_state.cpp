// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#include "detail/manager_state.hpp"

#include "detail/errors.hpp"
#include "detail/file_identity.hpp"
#include "detail/process_identity.hpp"
#include "detail/log_impl.hpp"
#include "platform/platform.hpp"

#include <boost_tempfm/registry.hpp>


#include <algorithm>
#include <cerrno>
#include <utility>

namespace boost_tempfm {
namespace detail {

namespace {

std::uint32_t self_pid() { return current_pid(); }

// This process's random instance (drawn again after fork), or 0 if it cannot be had now (never
// matched: nothing is remembered or reused then).
std::uint64_t self_instance() noexcept {
  try {
    return current_instance();
  } catch (...) {
    return 0;
  }
}

registry_mark mark_of(const registry& r, const registry_ref& ref) noexcept { return {r.base(), r.mark_of(ref)}; }

// Unregisters an entry whose path was removed (or released, or never made): the signal handler
// stops removing the path first, but frees the registry entry itself should it run before the
// registry removal (signal_forget_path), so no entry is left behind.
void unregister(registry& r, signal_node* sig, const registry_ref& ref) noexcept {
  signal_forget_path(sig);
  r.remove(ref);
  signal_detach(sig);
}

// Registers a name in the registry before create_unique makes it, and unregisters it if it
// could not be made. Also publishes it for install_signal_cleanup()'s handler before it exists, and
// holds a creation window (signal_list.hpp) from then until the object exists, so that the handler
// either sees it or refuses the creation.
class registering_observer : public create_observer {
 public:
  registering_observer(registry& r, entry_type kind) : r_(r), kind_(kind) {}
  // parked: an entry of this very path parked for it (take_staging), revived instead of adding one
  // (given back if it cannot be). Used or given back at the latest by the destructor.
  registering_observer(registry& r, entry_type kind, parked_ref parked) : r_(r), kind_(kind), parked_(parked) {}
  ~registering_observer() {
    if (parked_.slot) r_.unpark(parked_);
  }
  void before_create(const boost::filesystem::path& p) override {
    const std::string& bytes = platform::path_bytes(p);
    if (parked_.slot) {
      const parked_ref parked = std::exchange(parked_, parked_ref{});
      if (r_.revive(parked, bytes))
        ref = registry_ref{parked.slot};
      else
        r_.unpark(parked);
    }
    if (!ref.slot) ref = r_.add(bytes, kind_, format::flag_created);
    publish(p);
  }
  void after_create(const boost::filesystem::path& p, platform::handle) override { settle_window(p); }
  void not_created(const boost::filesystem::path&) noexcept override {
    window_.leave();
    unregister(r_, sig, ref);
    sig = nullptr;
    ref = registry_ref{};
  }
  registry_ref ref;
  signal_node* sig = nullptr;

 protected:
  void publish(const boost::filesystem::path& p) {
    try {
      sig = signal_attach(platform::path_bytes(p), mark_of(r_, ref));
    } catch (...) {
      not_created(p);
      throw;
    }
    if (!window_.enter()) {
      not_created(p);
      throw_errno("cannot create: the process is ending (install_signal_cleanup's handler ran)", p, ECANCELED);
    }
  }
  // The object exists and its node says so: the handler may walk now. Normally it has not started
  // (it waited for this window); it can have only if it gave up waiting, and then it may be past
  // this path: what was made is removed (by create_unique, as for any failure after the create).
  void settle_window(const boost::filesystem::path& p) {
    window_.leave();
    if (signal_cleanup_running())
      throw_errno("not keeping what was just created: the process is ending (install_signal_cleanup's handler ran)",
                  p, ECANCELED);
  }

  registry& r_;
  entry_type kind_;
  parked_ref parked_;
  creation_window window_;
};

}  // namespace

manager_state::manager_state(std::string prefix, boost::filesystem::path root, std::size_t name_max,
                             startup_sweep sweep_at_start)
    : prefix_(std::move(prefix)), root_(std::move(root)), name_max_(name_max) {
  registry_ = registry::open(root_);
  if (const int err = platform::open_dir_ref(root_.c_str(), root_fd_)) throw_errno("cannot open the temp root", root_, err);
  register_state(this);
  // The next run of a crashed tool cleans up after the crashed one; by default a bounded part of
  // it, so that a root full of orphans does not hold up the start (tempfm sweep does the rest).
  if (sweep_at_start == startup_sweep::none) return;
  try {
    sweep_options o;
    o.limit = sweep_at_start == startup_sweep::bounded ? startup_sweep_limit : 0;
    (void)boost_tempfm::sweep(root_, o);
  } catch (const std::exception& e) {
    log_message(log_level::warning, "boost_tempfm: sweep at start failed: " + message_of(e));
  }
}

manager_state::~manager_state() {
  unregister_state(this);
  for (const staging_slot& s : staging_)
    if (s.parked.slot && s.owner != 0 && s.owner == self_instance()) registry_->unpark(s.parked);
  // Entries still tracked (failed removals) stay published for the handler, by path only: the
  // registry may be unmapped once this state is gone.
  for (entry& e : slab_)
    if (e.state != slot_state::free) signal_mark(e.sig, registry_mark{});
  platform::close(root_fd_);
}

std::uint64_t manager_state::insert(const boost::filesystem::path& p, entry_type kind, registry_ref ref, signal_node* sig,
                                    bool registered, bool outside) {
  std::uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    slab_.emplace_back();
    index = static_cast<std::uint32_t>(slab_.size() - 1);
  }
  entry& e = slab_[index];
  try {
    e.path = p;  // into the slot's own string: release() kept its capacity, so usually no allocation
    if (registered) registered_[platform::path_bytes(p)] = index;
    if (outside) {
      e.outside_at = static_cast<std::uint32_t>(outside_.size());
      outside_.push_back(index);
    }
  } catch (...) {
    free_.push_back(index);
    throw;
  }
  if (++e.gen == 0) e.gen = 1;  // never 0: 0 is no id
  e.state = slot_state::live;
  e.kind = kind;
  e.registered = registered;
  e.outside = outside;
  e.reusable = false;
  e.owner = self_pid();
  e.order = next_order_++;
  e.ref = ref;
  e.sig = sig;
  ++count_;
  return std::uint64_t(e.gen) << 32 | index;
}

manager_state::entry* manager_state::find(std::uint64_t id) noexcept {
  const std::uint32_t index = static_cast<std::uint32_t>(id);
  if (index >= slab_.size()) return nullptr;
  entry& e = slab_[index];
  return e.state == slot_state::live && e.gen == static_cast<std::uint32_t>(id >> 32) ? &e : nullptr;
}

void manager_state::release(std::uint32_t index) noexcept {
  entry& e = slab_[index];
  if (e.registered) registered_.erase(platform::path_bytes(e.path));
  if (e.outside) {  // swapped with the last of the list
    const std::uint32_t last = outside_.back();
    outside_[e.outside_at] = last;
    slab_[last].outside_at = e.outside_at;
    outside_.pop_back();
    e.outside = false;
  }
  e.state = slot_state::free;
  e.path.clear();
  e.sig = nullptr;
  e.registered = false;
  --count_;
  free_.push_back(index);  // capacity: never more than the slab's size, reserved as the slab grew
}

std::int64_t manager_state::tracked(const boost::filesystem::path& p) const {
  const std::uint32_t self = self_pid();
  auto it = registered_.find(platform::path_bytes(p));
  if (it != registered_.end()) return slab_[it->second].owner == self ? std::int64_t(it->second) : -1;
  for (const std::uint32_t i : outside_)
    if (slab_[i].owner == self && slab_[i].path.native() == p.native()) return std::int64_t(i);
  if (p.parent_path() != root_) return -1;
  // A name in the root may be one this manager created: rare enough for a scan.
  for (std::size_t i = 0; i < slab_.size(); ++i)
    if (slab_[i].state != slot_state::free && slab_[i].owner == self && slab_[i].path == p) return std::int64_t(i);
  return -1;
}

void manager_state::attach_signal_nodes() {
  const std::uint32_t self = self_pid();
  std::lock_guard<std::mutex> g(mu_);
  for (entry& e : slab_)
    if (e.state != slot_state::free && e.owner == self && !e.sig)
      e.sig = signal_attach(platform::path_bytes(e.path), mark_of(*registry_, e.ref));
}

manager_state::made manager_state::create(const std::string& prefix, const std::string& suffix,
                                          const create_spec& spec) {
  if (signal_cleanup_running())
    throw_errno("cannot create: the process is ending (install_signal_cleanup's handler ran)", root_, ECANCELED);
  registering_observer obs(*registry_, spec.kind);
  // The manager's own prefix was checked when it was made; an empty suffix needs no check.
  const bool checked = suffix.empty() && prefix == prefix_ && spec.digits == random_digits;
  return track_created(create_unique(root_, prefix, suffix, name_max_, spec, &obs, checked, root_fd_), spec.kind,
                       obs.ref, obs.sig, false);
}

manager_state::made manager_state::create_in(const boost::filesystem::path& dir, platform::handle dir_fd, std::size_t name_max,
                                             const std::string& prefix, const std::string& suffix,
                                             const create_spec& spec, bool reusable) {
  if (signal_cleanup_running())
    throw_errno("cannot create: the process is ending (install_signal_cleanup's handler ran)", dir, ECANCELED);
  // Made exclusively (O_EXCL, O_NOFOLLOW) at a random name: recorded by path only and removed by
  // name, like what is made in the root. No stat of the new object on the hot path.
  registering_observer obs(*registry_, spec.kind);
  // Listed in outside_: register_file() of it then finds it tracked.
  return track_created(create_unique(dir, prefix, suffix, name_max, spec, &obs, false, dir_fd), spec.kind, obs.ref,
                       obs.sig, true, reusable);
}

bool manager_state::take_staging(const boost::filesystem::path& dest, staging& out) noexcept {
  const std::uint64_t self = self_instance();
  if (self == 0) return false;
  std::lock_guard<std::mutex> g(mu_);
  for (staging_slot& s : staging_)
    if (!s.staging.empty() && s.owner == self && s.dest.native() == dest.native()) {
      out.name.swap(s.staging);  // taken: the slot is empty until the next commit to dest
      out.parked = std::exchange(s.parked, parked_ref{});
      out.from = registry_.get();
      return true;
    }
  return false;
}

bool manager_state::create_at(staging& s, const create_spec& spec, made& out) {
  // Registered before it exists, exactly as a random name is (the parked entry revived): a process
  // killed after the create leaves an orphan the sweep removes. A name that cannot be made is
  // unregistered at once.
  registering_observer obs(*registry_, spec.kind, std::exchange(s.parked, parked_ref{}));
  if (signal_cleanup_running())
    throw_errno("cannot create: the process is ending (install_signal_cleanup's handler ran)", s.name, ECANCELED);
  created c;
  if (create_named(s.name, spec, &obs, c) != 0) return false;
  out = track_created(std::move(c), spec.kind, obs.ref, obs.sig, true, true);
  return true;
}

manager_state::made manager_state::track_created(created c, entry_type kind, registry_ref ref, signal_node* sig,
                                                 bool outside, bool reusable) {
  try {
    std::lock_guard<std::mutex> g(mu_);
    if (free_.empty()) free_.reserve(slab_.size() + 1);  // so that release() never allocates
    const std::uint64_t id = insert(c.path, kind, ref, sig, false, outside);
    slab_[static_cast<std::uint32_t>(id)].reusable = reusable;
    return {std::move(c.path), id, c.fd};
  } catch (...) {
    signal_forget_path(sig);
    (void)platform::close(c.fd);
    (void)remove_tree(c.path, false);
    unregister(*registry_, sig, ref);
    throw;
  }
}

bool manager_state::hold(std::uint64_t id) noexcept {
  std::lock_guard<std::mutex> g(mu_);
  entry* e = find(id);
  if (!e || e->owner != self_pid()) return false;
  e->state = slot_state::busy;
  return true;
}

void manager_state::settle(std::uint64_t id, bool gone, const boost::filesystem::path* remember_for,
                           boost::filesystem::path* name) noexcept {
  const std::uint32_t index = static_cast<std::uint32_t>(id);
  const std::uint64_t self = remember_for && name ? self_instance() : 0;
  signal_node* sig;
  registry_ref ref;
  parked_ref evicted;
  bool parked;
  {
    std::lock_guard<std::mutex> g(mu_);
    if (index >= slab_.size()) return;
    entry& e = slab_[index];
    if (e.state != slot_state::busy || e.gen != static_cast<std::uint32_t>(id >> 32)) return;
    if (!gone) {
      e.state = slot_state::live;
      return;
    }
    sig = e.sig;
    ref = e.ref;
    parked = false;
    if (e.reusable && remember_for && name && self != 0) {
      // Renamed away: the name is free again. Kept for the next save to the same destination.
      staging_slot* slot = nullptr;
      for (staging_slot& s : staging_)
        if (s.dest.native() == remember_for->native()) slot = &s;
      if (!slot) {
        slot = &staging_[next_staging_];
        next_staging_ = (next_staging_ + 1) % (sizeof staging_ / sizeof staging_[0]);
        try {
          slot->dest = *remember_for;
        } catch (...) {  // no memory: nothing remembered
          slot->dest.clear();
          slot = nullptr;
        }
      }
      if (slot) {
        // Parked before the slot shows it: another thread may take the name (and revive the
        // entry) as soon as the lock is given back. (park takes the registry's lock inside this
        // one: the order every path that holds both takes them in.)
        const parked_ref kept = registry_->park(ref);
        slot->staging.swap(*name);
        // What the slot held (a name this save did not reuse, or another destination's) is
        // forgotten: its parked entry is given back below.
        evicted = std::exchange(slot->parked, kept);
        if (slot->owner != self) evicted = parked_ref{};  // the parent's, after fork
        slot->owner = self;
        parked = true;
      }
    }
    release(index);
  }
  if (parked)
    signal_detach(sig);  // withdrawn already (parked under the lock)
  else
    unregister(*registry_, sig, ref);
  if (evicted.slot) registry_->unpark(evicted);
}

bool manager_state::tracks(std::uint64_t id) const noexcept {
  std::lock_guard<std::mutex> g(mu_);
  const std::uint32_t index = static_cast<std::uint32_t>(id);
  if (index >= slab_.size()) return false;
  const entry& e = slab_[index];
  // busy: being removed right now (by cleanup_all or remove()); still ours until that is done.
  return e.state != slot_state::free && e.gen == static_cast<std::uint32_t>(id >> 32);
}

void manager_state::track_existing(const boost::filesystem::path& p, entry_type kind, const format::identity& id) {
  {
    std::lock_guard<std::mutex> g(mu_);
    if (tracked(p) >= 0) return;
  }
  const registry_ref ref = registry_->add(platform::path_bytes(p), kind, format::flag_identity, id);
  signal_node* sig = nullptr;
  try {
    sig = signal_attach(platform::path_bytes(p), mark_of(*registry_, ref));
    std::lock_guard<std::mutex> g(mu_);
    if (tracked(p) >= 0) {  // another thread tracked it meanwhile
      unregister(*registry_, sig, ref);
      return;
    }
    // A registered path inherited through fork stays the parent's entry: this one is ours.
    auto it = registered_.find(platform::path_bytes(p));
    if (it != registered_.end()) {
      slab_[it->second].registered = false;
      registered_.erase(it);
    }
    if (free_.empty()) free_.reserve(slab_.size() + 1);
    (void)insert(p, kind, ref, sig, true);
  } catch (...) {
    unregister(*registry_, sig, ref);
    throw;
  }
}

bool manager_state::untrack(const boost::filesystem::path&, std::uint64_t id) noexcept {
  registry_ref ref;
  signal_node* sig = nullptr;
  {
    std::lock_guard<std::mutex> g(mu_);
    entry* e = find(id);
    if (!e) return false;
    if (e->owner == self_pid()) ref = e->ref;
    sig = e->sig;
    release(static_cast<std::uint32_t>(id));
  }
  unregister(*registry_, sig, ref);  // no registry removal for the parent's entry (ref 0)
  return true;
}

removal_result manager_state::remove_path(const boost::filesystem::path& p, cleanup_reason why,
                                          bool maybe_wanted, bool unwinding) noexcept {
  return remove_logged(p, why, root_fd_, root_, false, maybe_wanted, unwinding);
}

boost::system::error_code manager_state::remove_one(const boost::filesystem::path& p, std::uint64_t id,
                                                    cleanup_reason why, bool unwinding) noexcept {
  const std::uint32_t index = static_cast<std::uint32_t>(id);
  signal_node* sig;
  registry_ref ref;
  {
    std::lock_guard<std::mutex> g(mu_);
    entry* e = find(id);
    if (!e) return {};  // released or removed already
    sig = e->sig;
    ref = e->ref;
    if (e->owner != self_pid()) {  // the parent's, seen from a forked child: not ours
      release(index);
      signal_detach(sig);
      return {};
    }
    e->state = slot_state::busy;
  }
  const removal_result r = remove_path(p, why, true, unwinding);
  {
    std::lock_guard<std::mutex> g(mu_);
    if (r.ec) {
      slab_[index].state = slot_state::live;  // still tracked: cleanup_all reports it, exit tries again
      return r.ec;
    }
    release(index);
  }
  unregister(*registry_, sig, ref);
  return {};
}

std::vector<removal_failure> manager_state::remove_all(cleanup_reason why) noexcept {
  std::vector<removal_failure> failures;
  const std::uint32_t self = self_pid();
  // Taken out under the lock (busy), removed outside it, in creation order: on a disk,
  // neighbouring inodes go together.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> order;  // order, index
  std::vector<signal_node*> inherited;
  {
    std::lock_guard<std::mutex> g(mu_);
    try {
      order.reserve(count_);
      inherited.reserve(count_);
    } catch (...) {
    }
    for (std::uint32_t i = 0; i < slab_.size(); ++i) {
      entry& e = slab_[i];
      if (e.state != slot_state::live) continue;
      if (e.owner != self) {  // inherited through fork: forgotten, never removed
        if (e.sig) {
          if (inherited.size() < inherited.capacity()) inherited.push_back(e.sig);
        }
        release(i);
        continue;
      }
      if (order.size() == order.capacity()) break;  // no memory for more: the rest stay for next time
      e.state = slot_state::busy;
      order.emplace_back(e.order, i);
    }
  }
  for (signal_node* n : inherited) signal_detach(n);
  std::sort(order.begin(), order.end());
  std::vector<registry_ref> removed;
  std::vector<signal_node*> detach;
  std::vector<unsigned char> ok;
  try {
    removed.reserve(order.size());
    detach.reserve(order.size());
    ok.assign(order.size(), 0);
  } catch (...) {
    std::lock_guard<std::mutex> g(mu_);  // no memory: nothing is removed now, everything stays tracked
    for (const auto& o : order) slab_[o.second].state = slot_state::live;
    order.clear();
  }
  const bool wanted = !order.empty() && removals_logged(why);
  for (std::size_t k = 0; k < order.size(); ++k) {
    boost::filesystem::path path;
    try {
      std::lock_guard<std::mutex> g(mu_);  // the slab may grow meanwhile: copy the path under the lock
      path = slab_[order[k].second].path;
    } catch (...) {
      continue;
    }
    const removal_result r = remove_path(path, why, wanted);
    if (!r.ec) {
      ok[k] = 1;
      continue;
    }
    try {
      failures.push_back(removal_failure{path, r.ec});
    } catch (...) {
    }
  }
  {
    std::lock_guard<std::mutex> g(mu_);
    for (std::size_t k = 0; k < order.size(); ++k) {
      entry& e = slab_[order[k].second];
      if (!ok[k]) {
        e.state = slot_state::live;  // stays tracked
        continue;
      }
      removed.push_back(e.ref);
      detach.push_back(e.sig);
      release(order[k].second);
    }
  }
  for (signal_node* n : detach) signal_forget_path(n);  // then as unregister() does, for all at once
  registry_->remove_all(removed);
  for (signal_node* n : detach) signal_detach(n);
  return failures;
}

std::size_t manager_state::size() const {
  std::lock_guard<std::mutex> g(mu_);
  return count_;
}

}  // namespace detail
}  // namespace boost_tempfm
