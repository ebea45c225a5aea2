// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_TEMP_FILE_MANAGER_HPP
#define BOOST_TEMPFM_TEMP_FILE_MANAGER_HPP

#include <boost_tempfm/atomic_file.hpp>
#include <boost_tempfm/config.hpp>
#include <boost_tempfm/create_options.hpp>
#include <boost_tempfm/error.hpp>
#include <boost_tempfm/temp_dir.hpp>
#include <boost_tempfm/temp_file.hpp>
#include <boost_tempfm/unnamed_file.hpp>

#include <boost/filesystem/path.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace boost_tempfm {

// What a manager does about the entries that dead processes left in its root's registry when it
// is constructed: `bounded` removes up to 32 of them (a fraction of a millisecond, so a root full
// of orphans never holds up a start; `tempfm sweep` or sweep() removes the rest), `full` removes
// them all, `none` leaves them to an explicit sweep.
enum class startup_sweep { none, bounded, full };

// Creates temporary files and directories under one root and removes them: when their handle
// dies, on cleanup_all(), when the manager is destroyed, and at normal process exit.
// Thread-safe: any number of threads may use one manager at once.
class BOOST_TEMPFM_DECL temp_file_manager {
 public:
  // prefix: default name prefix of what this manager creates (no '/' and no NUL).
  // root: where it creates. Empty means the private per-user root: $BOOST_TEMPFM_ROOT if set, else
  //   <system temp dir>/tempfm-<uid>; it is created 0700 if missing and refused if it exists
  //   but is not a directory owned by this user without access for group and others.
  //   A non-empty root is created (0700) if missing and must be a writable directory that is
  //   the caller's (or root's and sticky, like /tmp), not writable by others unless sticky, in
  //   directories of the same kind, and reached through no symlink owned by another user.
  // sweep_at_start: see startup_sweep.
  // Throws boost::filesystem::filesystem_error naming the path and the reason; a bad prefix is
  // refused before anything is created.
  explicit temp_file_manager(std::string prefix = "tempfm_", boost::filesystem::path root = {},
                             startup_sweep sweep_at_start = startup_sweep::bounded);
  // Removes everything this manager still tracks (see cleanup_all). Never throws.
  ~temp_file_manager();
  temp_file_manager(const temp_file_manager&) = delete;
  temp_file_manager& operator=(const temp_file_manager&) = delete;

  // A new empty file <root>/<prefix><16 random hex digits><suffix>, created with
  // O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC and mode 0600. A name collision is retried, never
  // overwritten. remove=false (the spec's delete=False): the file is neither tracked nor removed.
  // The same as create_temp_file(create_options().suffix(suffix).prefix(...).keep(!remove)).
  temp_file create_temp_file(const std::string& suffix = "",
                             const std::optional<std::string>& prefix = std::nullopt,
                             bool remove = true);
  // With every option (see create_options): mode, kept descriptor, random length, directory.
  // The error_code form returns an empty handle on failure.
  temp_file create_temp_file(const create_options& opt);
  temp_file create_temp_file(const create_options& opt, boost::system::error_code& ec) noexcept;

  // A new empty directory <root>/<prefix><16 random hex digits>, mode 0700.
  temp_dir create_temp_dir(const std::optional<std::string>& prefix = std::nullopt);
  // With options (keep_open is refused: EINVAL).
  temp_dir create_temp_dir(const create_options& opt);
  temp_dir create_temp_dir(const create_options& opt, boost::system::error_code& ec) noexcept;

  // Atomic save: a new file in destination's own directory, tracked in this manager's registry by
  // absolute path (removed by name), open for writing (see atomic_file); commit() puts it at
  // destination. Its mode: as open(O_CREAT, 0666) gives a new file (0666 less the umask) by
  // default, opt.mode() if given; with opt.keep_mode(), the destination's if it is a regular file.
  // opt: prefix, suffix (by default ".<destination name>." and ".tmp"), random_length, mode,
  // keep_mode; directory and keep are refused (EINVAL). Errors name the destination.
  atomic_file create_atomic_file(const boost::filesystem::path& destination, const create_options& opt = {});
  atomic_file create_atomic_file(const boost::filesystem::path& destination, const create_options& opt,
                                 boost::system::error_code& ec) noexcept;
  atomic_file create_atomic_file(const boost::filesystem::path& destination, boost::system::error_code& ec) noexcept;

  // A file with no name (O_TMPFILE) in the root's filesystem (or opt.directory()'s): see
  // unnamed_file. Nothing is registered and nothing is left to clean, whatever ends the process.
  // opt: directory, mode; a prefix or suffix is refused (EINVAL: it has no name); keep, keep_open
  // and random_length do not apply. A filesystem without O_TMPFILE (NFS before 4.2, vfat, procfs,
  // devpts...) is refused with EOPNOTSUPP naming the directory: there is no fallback, since a file
  // made with a name and unlinked could not be linked again.
  unnamed_file create_unnamed_file(const create_options& opt = {});
  unnamed_file create_unnamed_file(const create_options& opt, boost::system::error_code& ec) noexcept;
  unnamed_file create_unnamed_file(boost::system::error_code& ec) noexcept;

  // Tracks an existing file, directory or symlink (removed as a link; its target is untouched)
  // for removal by cleanup_all() or at exit. Relative paths are made absolute now. Registering a
  // path already tracked does nothing. Refused: an empty path (EINVAL), a path that does not exist
  // (ENOENT), the root itself or any directory that contains it, and the root's registry (EINVAL).
  void register_file(const boost::filesystem::path& path);
  void register_file(const boost::filesystem::path& path, boost::system::error_code& ec) noexcept;

  // Removes everything this manager tracks and this process owns, including paths of handles
  // that are still alive (their destructors then do nothing). Idempotent. After trying every
  // entry, throws cleanup_error listing the failures; failed entries stay tracked.
  void cleanup_all();
  void cleanup_all(boost::system::error_code& ec) noexcept;

  // The number of paths currently tracked.
  std::size_t tracked_count() const;

  // The canonical absolute root (no trailing separator).
  const boost::filesystem::path& root() const noexcept;
  // The name of 0.2; use root(). Kept for one release.
  [[deprecated("use root()")]] const boost::filesystem::path& base_dir() const noexcept { return root(); }

  // The default name prefix given to the constructor.
  const std::string& prefix() const noexcept;

 private:
  temp_file create_file_impl(const create_options& opt, boost::system::error_code* ec);
  temp_dir create_dir_impl(const create_options& opt, boost::system::error_code* ec);
  unnamed_file create_unnamed_impl(const create_options& opt, boost::system::error_code* ec);
  atomic_file create_atomic_impl(const boost::filesystem::path& destination, const create_options& opt,
                                 boost::system::error_code* ec);
  void register_impl(const boost::filesystem::path& path, boost::system::error_code* ec);

  std::shared_ptr<detail::manager_state> state_;
};

// The process-wide manager: constructed on first call with the default prefix and root, never
// destroyed; what it still tracks is removed at normal process exit. Throws like the constructor
// (a later call tries again).
BOOST_TEMPFM_DECL temp_file_manager& get_temp_manager();

}  // namespace boost_tempfm

#endif  // BOOST_TEMPFM_TEMP_FILE_MANAGER_HPP
