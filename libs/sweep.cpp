// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Reading and sweeping a root's registry: what tools (tempfm ls/du/sweep) and starting managers use.
//
// A sweep takes over (adopts) each block of a dead owner by taking its lease byte, so one sweeper
// at a time works on it, and a sweeper that dies hands it back to the kernel and to the next one.
#include <boost_tempfm/registry.hpp>

#include "detail/file_identity.hpp"
#include "detail/log_impl.hpp"
#include "detail/registry_impl.hpp"
#include "detail/safe_remove.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <limits>
#include <sstream>

namespace boost_tempfm {
namespace {

namespace fs = boost::filesystem;
namespace fmt = detail::format;

registry_entry to_entry(detail::raw_entry& r, const detail::block_info& b, bool with_size) {
  registry_entry e;
  e.path = std::move(r.path);
  e.type = r.type;
  e.created = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(r.created_ns)));
  e.owner = b.owner;
  e.owner_alive = b.alive;
  if (with_size) {
    struct stat st;
    e.exists = ::lstat(e.path.c_str(), &st) == 0;
    if (e.exists) e.bytes = detail::measure_tree(e.path);
  }
  return e;
}

std::string describe(const owner_id& o) {
  std::ostringstream s;
  s << o;
  return s.str();
}

// Why a registered path of a dead owner must not be removed ("" if it may): the object there now
// is not the one that was registered.
std::string replaced(const detail::raw_entry& r) {
  if (!(r.flags & fmt::flag_identity)) return {};
  fmt::identity now;
  if (detail::identity_of(r.path.c_str(), now) != 0) return {};  // gone, or unreadable: the removal says
  if (detail::same_object(r.id, now)) return {};
  return "the object there is not the one registered (device/inode " + std::to_string(r.id.dev) + "/" +
         std::to_string(r.id.ino) + " then, " + std::to_string(now.dev) + "/" + std::to_string(now.ino) + " now)";
}

}  // namespace

std::vector<registry_entry> list_entries(const fs::path& root) {
  std::vector<registry_entry> out;
  std::shared_ptr<detail::registry> reg = detail::registry::open_existing(root);
  if (!reg) return out;
  for (const detail::block_info& b : reg->blocks())
    for (detail::raw_entry& r : reg->entries_of(b))
      if (r.problem.empty()) out.push_back(to_entry(r, b, true));
  return out;
}

sweep_report sweep(const fs::path& root, const sweep_options& opt) {
  sweep_report rep;
  std::shared_ptr<detail::registry> reg = detail::registry::open_existing(root);
  if (!reg) return rep;
  const auto now = std::chrono::system_clock::now();
  std::size_t budget = opt.limit ? opt.limit : std::numeric_limits<std::size_t>::max();
  const fs::path& canon = reg->root();
  const int root_fd = ::open(canon.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  for (const detail::block_info& b : reg->blocks()) {
    if (budget == 0) break;
    if (b.mine || (b.alive && !opt.all)) continue;  // ours: removed through our own handles
    const bool adopted = !b.alive && !opt.dry_run && reg->adopt(b);
    if (!b.alive && !opt.dry_run && !adopted) continue;  // another sweeper has it, or it is alive after all
    for (detail::raw_entry& r : reg->entries_of(b, adopted)) {
      const detail::raw_entry seen = r;
      registry_entry e = to_entry(r, b, opt.dry_run);
      if (!seen.problem.empty()) {
        // Never a path to act on (a crafted or corrupt entry): dropped, nothing touched.
        e.reason = seen.problem;
        detail::log_message(detail::log_level::warning, "boost_tempfm: ignoring a registry entry of " +
                                                            describe(b.owner) + " in " + canon.string() + ": " +
                                                            seen.problem + " (" + e.path.string() + ")");
        if (adopted) reg->forget_adopted(seen);
        rep.forgotten.push_back(std::move(e));
        continue;
      }
      if (opt.older_than.count() > 0 && now - e.created < opt.older_than) continue;
      if (budget == 0) break;
      --budget;
      if (opt.dry_run) {
        rep.bytes += e.bytes;
        rep.removed.push_back(std::move(e));
        continue;
      }
      const std::string why = replaced(seen);
      if (!why.empty()) {
        e.reason = why;
        detail::log_message(detail::log_level::info, "boost_tempfm: not removing " + e.path.string() + ", registered by " +
                                                         describe(b.owner) + ": " + why + "; entry forgotten");
        if (adopted) reg->forget_adopted(seen);
        rep.forgotten.push_back(std::move(e));
        continue;
      }
      const detail::removal_result res =
          detail::remove_logged(e.path, cleanup_reason::sweep, root_fd, canon, opt.measure);
      e.bytes = res.bytes;
      e.exists = res.kind != detail::found_kind::none;
      if (res.ec) {
        e.error = res.ec;
        e.reason = detail::describe_failure(res);
        rep.failed.push_back(std::move(e));  // stays in the registry: the next sweep tries again
        continue;
      }
      rep.bytes += res.bytes;
      rep.removed.push_back(std::move(e));
      if (adopted)
        reg->forget_adopted(seen);
      else
        (void)reg->mark_swept(seen);  // a live owner's (--all): it frees the slot itself
    }
    if (adopted) reg->drop_adopted(b.block);
  }
  if (root_fd >= 0) ::close(root_fd);
  return rep;
}

}  // namespace boost_tempfm
