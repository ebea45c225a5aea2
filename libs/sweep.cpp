// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Reading and sweeping a root's registry: what tools (tempfm ls/du/sweep) and starting managers use.
#include <boost_tempfm/registry.hpp>

#include "detail/log_impl.hpp"
#include "detail/registry_impl.hpp"
#include "detail/safe_remove.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>

namespace boost_tempfm {
namespace {

namespace fs = boost::filesystem;

struct owner_less {
  bool operator()(const owner_id& a, const owner_id& b) const {
    if (a.pid != b.pid) return a.pid < b.pid;
    if (a.start_time != b.start_time) return a.start_time < b.start_time;
    return a.boot_id < b.boot_id;
  }
};

// Liveness, asked once per owner.
class liveness {
 public:
  bool operator()(const owner_id& o) {
    auto it = cache_.find(o);
    if (it == cache_.end()) it = cache_.emplace(o, is_alive(o)).first;
    return it->second;
  }

 private:
  std::map<owner_id, bool, owner_less> cache_;
};

registry_entry to_entry(detail::raw_entry& r, bool alive, bool with_size) {
  registry_entry e;
  e.path = std::move(r.path);
  e.type = r.type;
  e.created = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(r.created_ns)));
  e.owner = r.owner;
  e.owner_alive = alive;
  if (with_size) {
    struct stat st;
    e.exists = ::lstat(e.path.c_str(), &st) == 0;
    if (e.exists) e.bytes = detail::measure_tree(e.path);
  }
  return e;
}

}  // namespace

std::vector<registry_entry> list_entries(const fs::path& root) {
  std::vector<registry_entry> out;
  std::shared_ptr<detail::registry> reg = detail::registry::open_existing(root);
  if (!reg) return out;
  liveness alive;
  std::vector<detail::raw_entry> raw = reg->entries();
  out.reserve(raw.size());
  for (detail::raw_entry& r : raw) out.push_back(to_entry(r, alive(r.owner), true));
  return out;
}

sweep_report sweep(const fs::path& root, const sweep_options& opt) {
  sweep_report rep;
  std::shared_ptr<detail::registry> reg = detail::registry::open_existing(root);
  if (!reg) return rep;
  liveness alive;
  const auto now = std::chrono::system_clock::now();
  const owner_id self = current_process();
  std::vector<detail::registry_ref> done;
  const int root_fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  std::vector<detail::raw_entry> raw = reg->entries();
  done.reserve(raw.size());
  for (detail::raw_entry& r : raw) {
    if (r.owner == self) continue;  // ours: removed through our own handles and managers
    const bool live = alive(r.owner);
    if (live && !opt.all) continue;
    const auto created = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(r.created_ns)));
    if (opt.older_than.count() > 0 && now - created < opt.older_than) continue;
    if (opt.dry_run) {
      registry_entry e = to_entry(r, live, true);
      rep.bytes += e.bytes;
      rep.removed.push_back(std::move(e));
      continue;
    }
    registry_entry e = to_entry(r, live, false);
    const detail::removal_result res =
        detail::remove_logged(e.path, cleanup_reason::sweep, root_fd, root, opt.measure);
    e.bytes = res.bytes;
    e.exists = res.kind != detail::found_kind::none;
    if (res.ec) {
      rep.failed.push_back(std::move(e));
      continue;
    }
    rep.bytes += res.bytes;
    rep.removed.push_back(std::move(e));
    done.push_back(detail::registry_ref{r.slot, r.checksum});
  }
  if (root_fd >= 0) ::close(root_fd);
  reg->remove_all(done);
  return rep;
}

}  // namespace boost_tempfm
