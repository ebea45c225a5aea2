// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// temp_file::persist(): a temp file put in place by rename (or by a copy across filesystems).
#include <boost_tempfm/temp_file.hpp>

#include "detail/create_unique.hpp"
#include "detail/errors.hpp"
#include "detail/file_ops.hpp"
#include "detail/manager_state.hpp"
#include "platform/platform.hpp"

#include <cerrno>

namespace boost_tempfm {

namespace fs = boost::filesystem;
namespace platform = detail::platform;

namespace {

// Gives a held entry back to its manager (tracked again) unless settled.
struct hold_guard {
  detail::manager_state* state = nullptr;
  std::uint64_t id = 0;
  void settle(bool gone, const fs::path* remember_for = nullptr, fs::path* staging = nullptr) noexcept {
    if (state) state->settle(id, gone, remember_for, staging);
    state = nullptr;
  }
  ~hold_guard() { settle(false); }
};

// An open descriptor that is closed at scope end unless kept.
struct fd_holder {
  platform::handle fd = platform::no_handle;
  ~fd_holder() { (void)platform::close(fd); }
};

const char* refusal(int err) {
  switch (err) {
    case EEXIST: return "cannot persist: the destination exists (no_clobber)";
    case EXDEV:
      return "cannot persist across filesystems (rename gives EXDEV; persist_options().copy_across_filesystems() "
             "copies instead)";
    default: return "cannot persist";
  }
}

}  // namespace

void temp_file::persist_into(const fs::path& display, const persist_options& opt, boost::system::error_code* ec,
                             bool remember_name) {
  const fs::path& src = given_path();  // no copy: forget() below clears it (copied first if still needed)
  hold_guard held;
  if (state()) {
    // Out of cleanup_all's and exit's hands while it moves.
    if (!state()->hold(id()))
      return detail::fail(ec,
                          remember_name ? "cannot commit: the temp file was released or removed (cleanup_all?)"
                                        : "cannot persist: the file is no longer tracked (removed by cleanup_all?)",
                          src, display, ENOENT);
    held.state = state().get();
    held.id = id();
  }
  if (opt.sync()) {
    fd_holder own;
    platform::handle fd = native_handle();
    if (fd == platform::no_handle) {
      if (int err = platform::open_file_read(platform::no_handle, src.c_str(), own.fd))
        return detail::fail(ec, "cannot open the file to sync it", src, display, err);
      fd = own.fd;
    }
    if (int err = detail::sync_fd(fd)) return detail::fail(ec, "cannot sync the file before the rename", src, display, err);
  }
  const int err = detail::rename_into(platform::no_handle, src.c_str(), platform::no_handle, display.c_str(), opt.no_clobber());
  if (err == EXDEV && opt.copy_across_filesystems()) {
    held.settle(false);
    return copy_into(display, opt, ec);
  }
  if (err) return detail::fail(ec, refusal(err), src, display, err);
  if (!opt.sync()) {
    // Moved: forgotten by the manager and the registry, never removed; the name may be remembered
    // (swapped out of the handle, whose path is cleared anyway).
    held.settle(true, remember_name ? &display : nullptr, &given_path_ref());
    return forget();
  }
  const fs::path moved = src;  // for the message
  held.settle(true, remember_name ? &display : nullptr, &given_path_ref());
  forget();
  if (int serr = detail::sync_dir(display.parent_path()))
    return detail::fail(ec, "persisted, but cannot sync the destination's directory", moved, display, serr);
}

void temp_file::copy_into(const fs::path& dest, const persist_options& opt, boost::system::error_code* ec) {
  const fs::path src = given_path();
  fd_holder own;
  platform::handle in = native_handle();
  if (in == platform::no_handle) {
    if (int err = platform::open_file_read(platform::no_handle, src.c_str(), own.fd))
      return detail::fail(ec, "cannot open the file to copy it", src, dest, err);
    in = own.fd;
  }
  platform::file_status st;
  if (int err = platform::status_of(in, st)) return detail::fail(ec, "cannot inspect the file to copy it", src, dest, err);
  // The copy is made where the destination is, under a name of its own, and tracked while it is
  // there: a process killed now leaves it to the sweep, never half a destination.
  const fs::path dir = dest.parent_path();
  const std::size_t name_max = detail::name_max_of(dir);
  std::string prefix, suffix;
  detail::staging_affixes(dest.filename().native(), name_max, detail::random_digits, prefix, suffix);
  detail::create_spec spec;
  spec.keep_open = true;
  spec.mode = st.mode & 0777u;
  detail::manager_state* s = state().get();
  detail::manager_state::made copy;
  if (s) {
    copy = s->create_in(dir, platform::no_handle, name_max, prefix, suffix, spec);
  } else {
    detail::created c = detail::create_unique(dir, prefix, suffix, name_max, spec);
    copy = {std::move(c.path), 0, c.fd};
  }
  struct undo_copy {
    detail::manager_state* s;
    const detail::manager_state::made& m;
    bool armed = true;
    ~undo_copy() {
      if (!armed) return;
      (void)platform::close(m.fd);
      if (s)
        (void)s->remove_one(m.path, m.id, cleanup_reason::remove_call);
      else
        (void)platform::remove_name(platform::no_handle, m.path.c_str(), false);
    }
  } undo{s, copy};
  if (int err = detail::copy_contents(in, copy.fd))
    return detail::fail(ec, "cannot copy the file across filesystems to", src, copy.path, err);
  if (opt.sync())
    if (int err = detail::sync_fd(copy.fd)) return detail::fail(ec, "cannot sync the copy of the file", src, copy.path, err);
  if (int err = detail::rename_into(platform::no_handle, copy.path.c_str(), platform::no_handle, dest.c_str(), opt.no_clobber()))
    return detail::fail(ec, refusal(err), src, dest, err);
  undo.armed = false;
  if (s && s->hold(copy.id)) s->settle(copy.id, true);  // in place: forgotten, not removed
  // The kept descriptor follows the content: the new file, at the same offset.
  if (native_handle() != platform::no_handle) {
    std::uint64_t off = 0;
    if (platform::tell(native_handle(), off) == 0 && off > 0) (void)platform::seek(copy.fd, off);
    (void)platform::close(native_handle());
    set_native_handle(copy.fd);
  } else {
    (void)platform::close(copy.fd);
  }
  // The original: removed (a failure is logged and it stays tracked, for cleanup_all and exit).
  if (s)
    (void)s->remove_one(src, id(), cleanup_reason::remove_call);
  else
    (void)platform::remove_name(platform::no_handle, src.c_str(), false);
  forget();
  if (opt.sync())
    if (int err = detail::sync_dir(dir))
      return detail::fail(ec, "persisted, but cannot sync the destination's directory", src, dest, err);
}

void temp_file::persist_impl(const fs::path& dest, const persist_options& opt, boost::system::error_code* ec) {
  const fs::path src = given_path();
  if (src.empty() || (state() && !state()->tracks(id())))
    return detail::fail(ec, "cannot persist: the handle holds no file (released or removed)", src, dest, ENOENT);
  detail::dest_path d;
  const char* what = nullptr;
  if (int err = detail::resolve_dest(dest, d, what)) return detail::fail(ec, what, src, dest, err);
  persist_into(d.dest, opt, ec);
}

void temp_file::persist(const fs::path& dest, const persist_options& opt) { persist_impl(dest, opt, nullptr); }

void temp_file::persist(const fs::path& dest, const persist_options& opt, boost::system::error_code& ec) noexcept {
  detail::with_error_code(ec, [&](boost::system::error_code* e) { persist_impl(dest, opt, e); });
}

void temp_file::persist(const fs::path& dest, boost::system::error_code& ec) noexcept { persist(dest, {}, ec); }

}  // namespace boost_tempfm
