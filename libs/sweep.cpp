// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Reading and sweeping a root's registry: what tools (tempfm ls/du/sweep) and starting managers use.
//
// A sweep takes over (adopts) each block of a dead owner by taking its lease byte, so one sweeper
// at a time works on it, and a sweeper that dies hands it back to the kernel and to the next one.
#include <boost_tempfm/registry.hpp>

#include "detail/errors.hpp"
#include "detail/file_identity.hpp"
#include "detail/log_impl.hpp"
#include "detail/registry_impl.hpp"
#include "detail/safe_remove.hpp"
#include "platform/platform.hpp"


#include <cerrno>
#include <limits>
#include <sstream>

namespace boost_tempfm {
namespace {

namespace fs = boost::filesystem;
namespace fmt = detail::format;

// Builds the public entry; takes r's path (r is not used afterwards).
registry_entry to_entry(detail::raw_entry& r, const detail::block_info& b, bool with_size) {
  registry_entry e;
  e.path = std::move(r.path);
  e.type = r.type;
  e.created = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(r.created_ns)));
  e.owner = b.owner;
  e.owner_alive = b.alive;
  if (with_size) {
    detail::platform::file_status st;
    e.exists = detail::platform::status_at(detail::platform::no_handle, e.path.c_str(), st) == 0;
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
  // Recorded before the object was made outside the root, and never completed: its owner died
  // between the two, so whatever is there may not be its object.
  if (r.id.dev == 0 && r.id.ino == 0)
    return "its owner died while creating it, before recording what it is: left in place";
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
  detail::platform::handle root_fd = detail::platform::no_handle;
  (void)detail::platform::open_dir_ref(canon.c_str(), root_fd);  // without it, each removal goes by path
  const bool logged = detail::removals_logged(cleanup_reason::sweep);  // asked once for the batch
  // Adopted blocks are given back together at the end (one registry lock for all of them).
  std::vector<std::uint32_t> adopted_blocks;
  struct give_back {
    detail::registry& reg;
    std::vector<std::uint32_t>& blocks;
    ~give_back() { reg.drop_adopted(blocks); }
  } gb{*reg, adopted_blocks};
  // A bounded sweep also looks at a bounded number of blocks (a block holds up to 63 entries).
  const std::uint32_t scan = opt.limit ? static_cast<std::uint32_t>(std::min<std::size_t>(opt.limit, 1u << 16)) : 0;
  const std::vector<detail::block_info> blocks = reg->blocks(scan);
  adopted_blocks.reserve(blocks.size());
  for (const detail::block_info& b : blocks) {
    if (budget == 0) break;
    if (b.mine || (b.alive && !opt.all)) continue;  // ours: removed through our own handles
    const bool adopted = !b.alive && !opt.dry_run && reg->adopt(b);
    if (!b.alive && !opt.dry_run && !adopted) continue;  // another sweeper has it, or it is alive after all
    if (adopted) adopted_blocks.push_back(b.block);  // reserved: never throws
    std::vector<detail::raw_entry> entries = reg->entries_of(b, adopted);
    for (detail::raw_entry& r : entries) {
      const auto created = std::chrono::system_clock::time_point(
          std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(r.created_ns)));
      if (!r.problem.empty()) {
        // Never a path to act on (a crafted or corrupt entry): dropped, nothing touched.
        detail::log_message(detail::log_level::warning, "boost_tempfm: ignoring a registry entry of " +
                                                            describe(b.owner) + " in " + canon.string() + ": " +
                                                            r.problem + " (" + r.path.string() + ")");
        if (adopted) reg->forget_adopted(r);
        registry_entry e = to_entry(r, b, false);
        e.reason = std::move(r.problem);
        rep.forgotten.push_back(std::move(e));
        continue;
      }
      if (opt.older_than.count() > 0 && now - created < opt.older_than) continue;
      if (budget == 0) break;
      --budget;
      if (opt.dry_run) {
        registry_entry e = to_entry(r, b, true);
        rep.bytes += e.bytes;
        rep.removed.push_back(std::move(e));
        continue;
      }
      // Dropped from the registry without touching the disk, logged and reported.
      auto forget = [&](std::string why) {
        detail::log_message(detail::log_level::info, "boost_tempfm: not removing " + r.path.string() + ", registered by " +
                                                         describe(b.owner) + ": " + why + "; entry forgotten");
        if (adopted) reg->forget_adopted(r);
        registry_entry e = to_entry(r, b, false);
        e.reason = std::move(why);
        rep.forgotten.push_back(std::move(e));
      };
      if (std::string why = replaced(r); !why.empty()) {
        forget(std::move(why));
        continue;
      }
      // What the owner created is removed by name (a random name made O_EXCL|O_NOFOLLOW: a symlink
      // or a file at it is unlinked, never followed), but a directory at a file's name is not
      // what it made: left in place and the entry forgotten.
      const bool file_only = r.type == entry_type::file && (r.flags & fmt::flag_created);
      const detail::removal_result res = detail::remove_logged(r.path, cleanup_reason::sweep, root_fd, canon,
                                                               opt.measure, logged, false, file_only);
      if (file_only && res.ec.value() == EISDIR && res.found && res.kind == entry_type::directory) {
        forget("a directory is at the name of the file it created: left in place");
        continue;
      }
      if (!res.ec) {
        if (adopted)
          reg->forget_adopted(r);
        else
          (void)reg->mark_swept(r);  // a live owner's (--all): it frees the slot itself
      }
      registry_entry e = to_entry(r, b, false);
      e.bytes = res.bytes;
      e.exists = res.found;
      if (res.ec) {
        e.error = res.ec;
        e.reason = detail::describe_failure(res);
        rep.failed.push_back(std::move(e));  // stays in the registry: the next sweep tries again
        continue;
      }
      rep.bytes += res.bytes;
      rep.removed.push_back(std::move(e));
    }
  }
  detail::platform::close(root_fd);
  return rep;
}

std::vector<registry_entry> list_entries(const fs::path& root, boost::system::error_code& ec) noexcept {
  std::vector<registry_entry> out;
  detail::with_error_code(ec, [&](boost::system::error_code*) { out = list_entries(root); });
  if (ec) out.clear();
  return out;
}

sweep_report sweep(const fs::path& root, const sweep_options& opt, boost::system::error_code& ec) noexcept {
  sweep_report rep;
  detail::with_error_code(ec, [&](boost::system::error_code*) { rep = sweep(root, opt); });
  return rep;
}

sweep_report sweep(const fs::path& root, boost::system::error_code& ec) noexcept { return sweep(root, {}, ec); }

}  // namespace boost_tempfm
