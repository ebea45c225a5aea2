// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
//
// Removal (detail/safe_remove.hpp) on Windows (libs/sources.txt: "windows"). Each directory is
// opened without following a reparse point (a junction or a symlink is never entered: it is removed
// itself) and listed through its handle (GetFileInformationByHandleEx, FileIdBothDirectoryInfo);
// each name is removed through a handle of its own opened the same way (platform::remove_name),
// which clears FILE_ATTRIBUTE_READONLY first. Another volume below is left as it is and reported
// (EBUSY, mount_point), like a mount point on POSIX.
#include "windows_common.hpp"

#include "../detail/safe_remove.hpp"

#include <cerrno>
#include <vector>

namespace boost_tempfm {
namespace detail {
namespace {

using boost::system::error_code;

struct child {
  std::wstring name;
  bool is_dir;  // a real directory (not a reparse point)
  std::uint64_t size;
};

// The entries of the directory h ("." and ".." left out).
int list(HANDLE h, std::vector<child>& out) {
  alignas(8) unsigned char buf[64 * 1024];
  FILE_INFO_BY_HANDLE_CLASS cls = FileIdBothDirectoryRestartInfo;
  for (;;) {
    if (!::GetFileInformationByHandleEx(h, cls, buf, sizeof buf)) {
      const DWORD e = ::GetLastError();
      return e == ERROR_NO_MORE_FILES ? 0 : platform::errno_of(e);
    }
    cls = FileIdBothDirectoryInfo;
    for (const unsigned char* p = buf;;) {
      const auto* d = reinterpret_cast<const FILE_ID_BOTH_DIR_INFO*>(p);
      std::wstring name(d->FileName, d->FileNameLength / sizeof(wchar_t));
      if (name != L"." && name != L"..") {
        const bool reparse = (d->FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0;
        out.push_back(child{std::move(name), !reparse && (d->FileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0,
                            static_cast<std::uint64_t>(d->EndOfFile.QuadPart)});
      }
      if (d->NextEntryOffset == 0) break;
      p += d->NextEntryOffset;
    }
  }
}

class remover {
 public:
  remover(removal_result& r, bool measure) : r_(r), measure_(measure) {}

  void fail(int err, const boost::filesystem::path& p) {
    if (!r_.ec) {
      r_.ec = error_code(err, platform::errno_category());
      r_.failed_path = p;
    }
  }

  // Empties and removes the directory `name` in parent (depth: levels below the first).
  void remove_dir(platform::handle parent, const std::wstring& name, const boost::filesystem::path& display,
                  int depth) {
    platform::handle h = platform::no_handle;
    if (int err = platform::open_dir_at(parent, name.c_str(), h)) {
      if (err == ELOOP || err == ENOTDIR) {  // swapped for a link or a file since it was listed
        err = platform::remove_name(parent, name.c_str(), false);
        if (err && err != ENOENT) fail(err, display);
      } else if (err != ENOENT) {
        fail(err, display);
      }
      return;
    }
    if (platform::is_mount_point(parent, h, 0)) {
      ::CloseHandle(h);
      if (!r_.ec) {
        r_.ec = error_code(EBUSY, platform::errno_category());
        r_.failed_path = display;
        r_.mount_point = true;
      }
      return;
    }
    for (int pass = 0; pass < 3; ++pass) {
      std::vector<child> kids;
      if (int err = list(h, kids)) fail(err, display);
      for (const child& c : kids) {
        const boost::filesystem::path cp = display / c.name;
        if (c.is_dir) {
          if (depth > 1024) {  // recursion: bounded well inside a thread's stack
            fail(ELOOP, cp);
            continue;
          }
          remove_dir(h, c.name, cp, depth + 1);
        } else if (int err = platform::remove_name(h, c.name.c_str(), false)) {
          if (err == EISDIR)
            remove_dir(h, c.name, cp, depth + 1);
          else if (err != ENOENT)
            fail(err, cp);
        } else if (measure_) {
          r_.bytes += c.size;
        }
      }
      ::CloseHandle(h);
      h = platform::no_handle;
      const int err = platform::remove_name(parent, name.c_str(), true);
      if (err == 0 || err == ENOENT) return;
      if (err != ENOTEMPTY || r_.ec || pass == 2) {
        fail(err, display);
        return;
      }
      // Something was created inside meanwhile: empty it again.
      if (platform::open_dir_at(parent, name.c_str(), h) != 0) return;
    }
    if (h != platform::no_handle) ::CloseHandle(h);
  }

  void remove_entry(platform::handle parent, const std::wstring& name, const boost::filesystem::path& display,
                    bool file_only) {
    platform::file_status st;
    if (int err = platform::status_at(parent, name.c_str(), st)) {
      if (err != ENOENT) fail(err, display);
      return;
    }
    r_.found = true;
    if (!st.is_dir) {
      r_.kind = st.is_symlink ? entry_type::symlink : entry_type::file;
      if (int err = platform::remove_name(parent, name.c_str(), st.is_dir)) {
        if (err != ENOENT) fail(err, display);
      } else if (st.is_regular) {
        r_.bytes += st.size;
      }
      return;
    }
    r_.kind = entry_type::directory;
    if (file_only) return fail(EISDIR, display);
    remove_dir(parent, name, display, 0);
  }

 private:
  removal_result& r_;
  bool measure_;
};

}  // namespace

removal_result remove_at(platform::handle parent_fd, const platform::path_char* name,
                         const boost::filesystem::path& display, bool measure, bool file_only) noexcept {
  removal_result r;
  try {
    remover(r, measure).remove_entry(parent_fd, name, display, file_only);
  } catch (const std::bad_alloc&) {
    r.ec = error_code(ENOMEM, platform::errno_category());
    r.failed_path = display;
  }
  return r;
}

removal_result remove_tree(const boost::filesystem::path& p, bool measure, bool file_only) noexcept {
  removal_result r;
  try {
    const boost::filesystem::path leaf = p.filename();
    if (!p.is_absolute() || leaf.empty() || leaf == "." || leaf == "..") {
      r.ec = error_code(EINVAL, platform::errno_category());
      r.failed_path = p;
      return r;
    }
    platform::handle parent = platform::no_handle;
    if (const int err = platform::open_dir_ref(p.parent_path().c_str(), parent)) {
      if (err != ENOENT) {
        r.ec = error_code(err, platform::errno_category());
        r.failed_path = p.parent_path();
      }
      return r;
    }
    remover(r, measure).remove_entry(parent, leaf.native(), p, file_only);
    ::CloseHandle(parent);
  } catch (const std::bad_alloc&) {
    r.ec = error_code(ENOMEM, platform::errno_category());
    r.failed_path = p;
  }
  return r;
}

std::uintmax_t measure_tree(const boost::filesystem::path& p) noexcept {
  try {
    platform::file_status st;
    if (platform::status_at(platform::no_handle, p.c_str(), st) != 0) return 0;
    if (st.is_regular) return st.size;
    if (!st.is_dir) return 0;
    std::uintmax_t total = 0;
    std::vector<platform::handle> todo;
    platform::handle h = platform::no_handle;
    if (platform::open_dir_at(platform::no_handle, p.c_str(), h) == 0) todo.push_back(h);
    while (!todo.empty()) {
      platform::handle d = todo.back();
      todo.pop_back();
      std::vector<child> kids;
      (void)list(d, kids);
      for (const child& c : kids) {
        if (!c.is_dir) {
          total += c.size;
          continue;
        }
        platform::handle sub = platform::no_handle;
        if (platform::open_dir_at(d, c.name.c_str(), sub) != 0) continue;
        if (platform::is_mount_point(d, sub, 0)) {
          ::CloseHandle(sub);  // another volume's bytes are not ours
          continue;
        }
        todo.push_back(sub);
      }
      ::CloseHandle(d);
    }
    return total;
  } catch (...) {
    return 0;
  }
}

}  // namespace detail
}  // namespace boost_tempfm
