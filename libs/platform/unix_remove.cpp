// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
//
// Removal (detail/safe_remove.hpp) on POSIX systems: a walk with *at() calls on descriptors opened
// O_NOFOLLOW (libs/sources.txt: "linux posix"). It is the one place that walks trees with POSIX
// calls, so it lives in the platform layer whole; a Windows backend brings its own walk.
#include "../detail/safe_remove.hpp"

#include "platform.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <vector>

namespace boost_tempfm {
namespace detail {
namespace {

using boost::system::error_code;
using boost::system::system_category;

class fd_guard {
 public:
  explicit fd_guard(int fd = -1) noexcept : fd_(fd) {}
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

// Opens the directory `name` in parent_fd for reading without following a symlink. When it is
// not readable or searchable, gives it 0700 (platform::make_dir_private: never through a
// symlink) and tries once more. Returns the fd or -errno. `mount` is set when it found a mount
// point instead (-EBUSY). listed_ino: its inode number in parent_fd's listing, 0 if unknown.
int open_dir(int parent_fd, const char* name, std::uint64_t listed_ino, bool& mount) noexcept {
  const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  int fd = ::openat(parent_fd, name, flags);
  if (fd >= 0) return fd;
  if (errno != EACCES) return -errno;
  if (int err = platform::make_dir_private(parent_fd, name, listed_ino, mount)) return -err;
  fd = ::openat(parent_fd, name, flags);
  return fd >= 0 ? fd : -errno;
}

struct frame {
  int fd;        // the directory being emptied
  DIR* dir;      // its stream (owns fd)
  std::string name;  // its name in the parent frame's directory
  std::string path;  // for error messages
  bool chmodded;     // already given 0700
  std::uint64_t listed_ino;  // its inode number in the parent's listing, 0 if unknown
};

class remover {
 public:
  remover(removal_result& r, bool measure, bool file_only = false)
      : r_(r), measure_(measure), file_only_(file_only) {}
  ~remover() {
    for (frame& f : stack_) ::closedir(f.dir);
  }
  remover(const remover&) = delete;
  remover& operator=(const remover&) = delete;

  // Removes `name` in parent_fd; `path` names it in errors.
  void remove_entry(int parent_fd, const std::string& name, const std::string& path) {
    if (!measure_) {
      // The common case, a file: one unlinkat, like a plain unlink loop.
      if (::unlinkat(parent_fd, name.c_str(), 0) == 0) {
        r_.found = true;
        r_.kind = entry_type::file;
        return;
      }
      const int err = errno;
      if (err == ENOENT) return;
      if (err != EISDIR) {
        fail(err, path);
        return;
      }
      r_.found = true;
      r_.kind = entry_type::directory;
      if (file_only_) return fail(EISDIR, path);  // a file's name: a directory there is not ours
      remove_dir(parent_fd, name, path);
      return;
    }
    struct stat st;
    if (::fstatat(parent_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT) fail(errno, path);
      return;
    }
    if (!S_ISDIR(st.st_mode)) {
      r_.found = true;
      r_.kind = S_ISLNK(st.st_mode) ? entry_type::symlink : entry_type::file;
      if (::unlinkat(parent_fd, name.c_str(), 0) == 0) {
        if (S_ISREG(st.st_mode)) r_.bytes += static_cast<std::uintmax_t>(st.st_size);
      } else if (errno != ENOENT) {
        fail(errno, path);
      }
      return;
    }
    r_.found = true;
    r_.kind = entry_type::directory;
    if (file_only_) return fail(EISDIR, path);
    remove_dir(parent_fd, name, path);
  }

 private:
  void fail(int err, const std::string& path) {
    if (!r_.ec) {
      r_.ec = error_code(err, system_category());
      r_.failed_path = path;
    }
  }

  // Pushes a frame for directory `name` in parent_fd (listed_ino: its inode number in the
  // parent's listing, 0 if unknown). Returns false when it was not a directory any more (it was
  // swapped; it has then been unlinked as what it now is) or could not be opened.
  bool push(int parent_fd, const std::string& name, const std::string& path, std::uint64_t listed_ino = 0) {
    bool mount = false;
    int fd = open_dir(parent_fd, name.c_str(), listed_ino, mount);
    if (mount || (fd >= 0 && platform::is_mount_point(parent_fd, fd, listed_ino))) {
      // Another filesystem (or a bind mount) lives here: never emptied, only reported.
      if (fd >= 0) ::close(fd);
      if (!r_.ec) {
        r_.ec = error_code(EBUSY, system_category());
        r_.failed_path = path;
        r_.mount_point = true;
      }
      return false;
    }
    if (fd < 0) {
      int err = -fd;
      if (err == ENOENT) return false;
      if (err == ENOTDIR || err == ELOOP) {
        // Swapped for a symlink or a file since we looked: remove that entry itself.
        if (::unlinkat(parent_fd, name.c_str(), 0) != 0 && errno != ENOENT) fail(errno, path);
        return false;
      }
      fail(err, path);
      return false;
    }
    DIR* d = ::fdopendir(fd);
    if (!d) {
      fail(errno, path);
      ::close(fd);
      return false;
    }
    stack_.push_back(frame{fd, d, name, path, false, listed_ino});
    return true;
  }

  // Makes the directory of frame f writable and searchable, once. True if it changed anything.
  bool make_writable(frame& f) {
    if (f.chmodded) return false;
    f.chmodded = true;
    return ::fchmod(f.fd, S_IRWXU) == 0;
  }

  // Unlinks a non-directory child of frame f (index fi) whose d_type says it is no directory.
  // Returns true when it turned out to be a directory that must be descended into.
  bool unlink_child(std::size_t fi, const char* child, unsigned char type, const std::string& child_path) {
    for (;;) {
      frame& f = stack_[fi];
      struct stat st;
      bool have_size = false;
      if ((measure_ && type == DT_REG) || type == DT_UNKNOWN) {
        if (::fstatat(f.fd, child, &st, AT_SYMLINK_NOFOLLOW) == 0) {
          if (S_ISDIR(st.st_mode)) return true;
          have_size = S_ISREG(st.st_mode);
        } else if (errno == EACCES && make_writable(f)) {
          continue;
        }
      }
      if (::unlinkat(f.fd, child, 0) == 0) {
        if (have_size) r_.bytes += static_cast<std::uintmax_t>(st.st_size);
        return false;
      }
      int err = errno;
      if (err == ENOENT) return false;
      if (err == EISDIR) return true;  // became a directory since readdir
      if ((err == EACCES || err == EPERM) && make_writable(f)) continue;
      fail(err, child_path);
      return false;
    }
  }

  void remove_dir(int parent_fd, const std::string& name, const std::string& path) {
    if (!push(parent_fd, name, path)) return;
    int empty_retries = 0;
    while (!stack_.empty()) {
      const std::size_t fi = stack_.size() - 1;
      errno = 0;
      struct dirent* de = ::readdir(stack_[fi].dir);
      if (de) {
        const char* child = de->d_name;
        if (child[0] == '.' && (child[1] == 0 || (child[1] == '.' && child[2] == 0))) continue;
        std::string child_path = stack_[fi].path + "/" + child;
        bool is_dir = de->d_type == DT_DIR;
        if (!is_dir) is_dir = unlink_child(fi, child, de->d_type, child_path);
        if (is_dir) {
          std::string child_name(child);
          push(stack_[fi].fd, child_name, child_path, static_cast<std::uint64_t>(de->d_ino));
        }
        continue;
      }
      if (errno != 0) fail(errno, stack_[fi].path);
      // The directory is empty (as far as we could tell): close it and remove it from its parent.
      frame done = stack_.back();
      stack_.pop_back();
      ::closedir(done.dir);
      const int pfd = stack_.empty() ? parent_fd : stack_.back().fd;
      for (;;) {
        if (::unlinkat(pfd, done.name.c_str(), AT_REMOVEDIR) == 0 || errno == ENOENT) break;
        int err = errno;
        if ((err == EACCES || err == EPERM) && !stack_.empty() && make_writable(stack_.back())) continue;
        if ((err == ENOTEMPTY || err == EEXIST) && !r_.mount_point && ++empty_retries <= 3) {
          // Something was created inside while we emptied it: empty it again.
          push(pfd, done.name, done.path, done.listed_ino);
          break;
        }
        fail(err, done.path);
        break;
      }
    }
  }

  removal_result& r_;
  const bool measure_;
  const bool file_only_;
  std::vector<frame> stack_;
};

}  // namespace

removal_result remove_at(platform::handle parent_fd, const platform::path_char* name, const boost::filesystem::path& display,
                         bool measure, bool file_only) noexcept {
  removal_result r;
  if (!measure) {
    // The common case, a file, without building anything: one unlinkat.
    if (::unlinkat(parent_fd, name, 0) == 0) {
      r.found = true;
      r.kind = entry_type::file;
      return r;
    }
    if (errno == ENOENT) return r;
  }
  try {
    remover(r, measure, file_only).remove_entry(parent_fd, name, display.string());
  } catch (const std::bad_alloc&) {
    r.ec = error_code(ENOMEM, system_category());
    r.failed_path = display;
  }
  return r;
}

std::uintmax_t measure_tree(const boost::filesystem::path& p) noexcept {
  std::uintmax_t total = 0;
  try {
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0) return 0;
    if (S_ISREG(st.st_mode)) return static_cast<std::uintmax_t>(st.st_size);
    if (!S_ISDIR(st.st_mode)) return 0;
    std::vector<int> todo;
    int fd = ::open(p.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) todo.push_back(fd);
    while (!todo.empty()) {
      int dfd = todo.back();
      todo.pop_back();
      DIR* d = ::fdopendir(dfd);
      if (!d) {
        ::close(dfd);
        continue;
      }
      while (struct dirent* de = ::readdir(d)) {
        const char* n = de->d_name;
        if (n[0] == '.' && (n[1] == 0 || (n[1] == '.' && n[2] == 0))) continue;
        if (::fstatat(dfd, n, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (S_ISREG(st.st_mode)) {
          total += static_cast<std::uintmax_t>(st.st_size);
        } else if (S_ISDIR(st.st_mode)) {
          int c = ::openat(dfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (c >= 0 && platform::is_mount_point(dfd, c, static_cast<std::uint64_t>(de->d_ino))) {
            ::close(c);  // another filesystem's bytes are not ours
            c = -1;
          }
          if (c >= 0) todo.push_back(c);
        }
      }
      ::closedir(d);
    }
  } catch (...) {
  }
  return total;
}

removal_result remove_tree(const boost::filesystem::path& p, bool measure, bool file_only) noexcept {
  removal_result r;
  try {
    const boost::filesystem::path leaf = p.filename();
    if (!p.is_absolute() || leaf.empty() || leaf == "." || leaf == "..") {
      r.ec = error_code(EINVAL, system_category());
      r.failed_path = p.string();
      return r;
    }
    // The parent is opened as a reference (platform::open_dir_ref: with O_PATH on Linux, it need
    // not be readable), and symlinks in the parent's own path are followed as the caller named
    // them; only the leaf is never followed.
    int pfd = platform::no_handle;
    if (const int err = platform::open_dir_ref(p.parent_path().c_str(), pfd)) {
      if (err != ENOENT) {
        r.ec = error_code(err, system_category());
        r.failed_path = p.parent_path();
      }
      return r;
    }
    fd_guard g(pfd);
    remover(r, measure, file_only).remove_entry(pfd, leaf.string(), p.string());
  } catch (const std::bad_alloc&) {
    r.ec = error_code(ENOMEM, system_category());
    r.failed_path = p;
  }
  return r;
}

}  // namespace detail
}  // namespace boost_tempfm
