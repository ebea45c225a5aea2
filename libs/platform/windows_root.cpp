// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
//
// The temp root and its checks (detail/root.hpp) on Windows (libs/sources.txt: "windows").
//
// The default root is <GetTempPathW()>\tempfm (BOOST_TEMPFM_ROOT overrides it). It is created with
// a protected DACL that grants the current user alone full control, and refused (EPERM, naming the
// path and the reason) unless it is a real directory (no reparse point), owned by the current user,
// whose DACL allows nobody else but SYSTEM and the Administrators (who can take any file anyway).
// Windows has no modes or sticky bits: an explicit base_dir or create-call directory must be an
// existing writable directory, not a reparse point; its owner is not checked.
#include "windows_common.hpp"

#include "../detail/errors.hpp"
#include "../detail/root.hpp"

#include <boost_tempfm/registry.hpp>

#include <boost/filesystem/operations.hpp>

#include <aclapi.h>
#include <sddl.h>

#include <cerrno>
#include <cstdlib>
#include <memory>

namespace boost_tempfm {
namespace detail {

namespace fs = boost::filesystem;

namespace {

struct local_free {
  void operator()(void* p) const noexcept { ::LocalFree(p); }
};

// The SID of the user this process runs as, as a string ("S-1-5-21-..."); empty if unknown.
std::wstring current_user_sid() {
  HANDLE token = nullptr;
  if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &token)) return {};
  alignas(8) unsigned char buf[256];
  DWORD len = 0;
  std::wstring out;
  if (::GetTokenInformation(token, TokenUser, buf, sizeof buf, &len)) {
    wchar_t* s = nullptr;
    if (::ConvertSidToStringSidW(reinterpret_cast<TOKEN_USER*>(buf)->User.Sid, &s)) {
      out = s;
      ::LocalFree(s);
    }
  }
  ::CloseHandle(token);
  return out;
}

std::wstring sid_string(PSID sid) {
  wchar_t* s = nullptr;
  if (!sid || !::ConvertSidToStringSidW(sid, &s)) return L"?";
  std::wstring out = s;
  ::LocalFree(s);
  return out;
}

std::string narrow(const std::wstring& w) { return fs::path(w).string(); }

// Refuses the root unless its owner is `user` and its DACL lets nobody else in.
void check_private_root(const fs::path& root, HANDLE h, const std::wstring& user) {
  PSID owner = nullptr;
  PACL dacl = nullptr;
  PSECURITY_DESCRIPTOR sd = nullptr;
  const DWORD rc = ::GetSecurityInfo(h, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                                     &owner, nullptr, &dacl, nullptr, &sd);
  if (rc != ERROR_SUCCESS) throw_errno("cannot read the security descriptor of the temp root", root, platform::errno_of(rc));
  std::unique_ptr<void, local_free> keep(sd);
  const std::wstring owner_sid = sid_string(owner);
  if (owner_sid != user)
    throw_errno("refusing the temp root: it is owned by " + narrow(owner_sid) + ", not by the current user " + narrow(user),
                root, EPERM);
  if (!dacl) throw_errno("refusing the temp root: it has no DACL (everyone has full access)", root, EPERM);
  for (DWORD i = 0; i < dacl->AceCount; ++i) {
    void* ace = nullptr;
    if (!::GetAce(dacl, i, &ace)) continue;
    const auto* hdr = static_cast<ACE_HEADER*>(ace);
    if (hdr->AceType != ACCESS_ALLOWED_ACE_TYPE) continue;
    const std::wstring who = sid_string(&static_cast<ACCESS_ALLOWED_ACE*>(ace)->SidStart);
    if (who == user || who == L"S-1-5-18" /* SYSTEM */ || who == L"S-1-5-32-544" /* Administrators */ ||
        who == L"S-1-3-4" /* OWNER RIGHTS */)
      continue;
    throw_errno("refusing the temp root: its DACL gives access to " + narrow(who) + " (expected the current user only)",
                root, EPERM);
  }
}

// Creates the default root with an owner-only protected DACL if missing, then checks it.
void ensure_private_dir(const fs::path& root) {
  const std::wstring user = current_user_sid();
  if (user.empty()) throw_errno("cannot tell the current user (OpenProcessToken)", root, EACCES);
  const std::wstring sddl = L"D:P(A;OICI;FA;;;" + user + L")";
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (!::ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.c_str(), SDDL_REVISION_1, &sd, nullptr))
    throw_errno("cannot build the private temp root's security descriptor", root, platform::last_errno());
  std::unique_ptr<void, local_free> keep(sd);
  SECURITY_ATTRIBUTES sa{sizeof sa, sd, FALSE};
  std::wstring root_w;
  if (const int err = platform::win32_path(root.c_str(), root_w)) throw_errno("cannot use the private temp root", root, err);
  if (!::CreateDirectoryW(root_w.c_str(), &sa) && ::GetLastError() != ERROR_ALREADY_EXISTS) {
    const int err = platform::last_errno();
    // Windows says "not found" below a file (a TMP naming a file): ENOTDIR naming it, as on POSIX.
    const fs::path parent = root.parent_path();
    platform::file_status st;
    if (err == ENOENT && !parent.empty() && platform::status_at(platform::no_handle, parent.c_str(), st) == 0 &&
        !st.is_dir && !st.is_symlink)
      throw_errno("cannot create the private temp root: " + parent.string() + " is not a directory", root, ENOTDIR);
    throw_errno("cannot create the private temp root", root, err);
  }
  HANDLE h = ::CreateFileW(root_w.c_str(), READ_CONTROL | FILE_READ_ATTRIBUTES,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                           FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
  if (h == INVALID_HANDLE_VALUE) throw_errno("cannot inspect the private temp root", root, platform::last_errno());
  BY_HANDLE_FILE_INFORMATION info;
  const bool ok = ::GetFileInformationByHandle(h, &info) != 0;
  try {
    if (!ok) throw_errno("cannot inspect the private temp root", root, platform::last_errno());
    if (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)
      throw_errno("refusing the temp root: it is a reparse point (a junction or a symlink)", root, ELOOP);
    if (!(info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY))
      throw_errno("refusing the temp root: it is not a directory", root, ENOTDIR);
    check_private_root(root, h, user);
  } catch (...) {
    ::CloseHandle(h);
    throw;
  }
  ::CloseHandle(h);
}

// An existing (or creatable) writable directory that is no reparse point.
void ensure_usable_dir(const fs::path& dir, bool create, const char* noun) {
  platform::file_status st;
  int err = platform::status_at(platform::no_handle, dir.c_str(), st);
  if (err == ENOENT && create) {
    // Windows says "not found" for a name below a file, and "already exists" when
    // create_directories meets that file: name it as POSIX does (ENOTDIR) before creating anything.
    for (fs::path up = dir.parent_path(); !up.empty() && up != up.root_path(); up = up.parent_path()) {
      platform::file_status ust;
      if (platform::status_at(platform::no_handle, up.c_str(), ust) != 0) continue;
      if (!ust.is_dir && !ust.is_symlink)
        throw_errno(std::string("cannot create the ") + noun + ": " + up.string() + " is not a directory", dir, ENOTDIR);
      break;
    }
    boost::system::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw_error(std::string("cannot create the ") + noun, dir, ec);
    err = platform::status_at(platform::no_handle, dir.c_str(), st);
  }
  if (err) throw_errno(std::string("cannot use the ") + noun, dir, err);
  if (st.is_symlink)
    throw_errno(std::string("refusing the ") + noun + ": it is a reparse point (a junction or a symlink)", dir, ELOOP);
  if (!st.is_dir) throw_errno(std::string("the ") + noun + " is not a directory", dir, ENOTDIR);
}

}  // namespace

fs::path canonical_dir(const fs::path& p, boost::system::error_code& ec) {
  fs::path c = fs::canonical(p, ec);
  if (ec) return c;
  std::wstring s = c.native();
  while (s.size() > 3 && (s.back() == L'\\' || s.back() == L'/')) s.pop_back();  // "C:\" stays
  return fs::path(s);
}

std::size_t name_max_near(const fs::path&) noexcept { return 255; }

resolved_root resolve_root(const fs::path& base_dir) {
  const fs::path root = root_path_of(base_dir);
  if (base_dir.empty())
    ensure_private_dir(root);
  else
    ensure_usable_dir(root, true, "temp root");
  boost::system::error_code ec;
  fs::path canon = canonical_dir(root, ec);
  if (ec) throw_error("cannot resolve the temp root", root, ec);
  return resolved_root{canon, 255};
}

call_dir::~call_dir() { (void)platform::close(fd); }

void open_call_dir(const fs::path& given, const fs::path& root, call_dir& out) {
  boost::system::error_code ec;
  const fs::path abs = fs::absolute(given, ec);
  if (ec) throw_error("cannot make the directory absolute (no current directory?)", given, ec);
  ensure_usable_dir(abs, false, "directory");
  out.path = canonical_dir(abs, ec);
  if (ec) throw_error("cannot resolve the directory", abs, ec);
  const std::wstring reg = registry_dir(root).native();
  const std::wstring& p = out.path.native();
  if (p == reg || (p.size() > reg.size() && p.compare(0, reg.size(), reg) == 0 && p[reg.size()] == L'\\'))
    throw_errno("refusing the directory: it is the registry of the temp root " + root.string(), out.path, EINVAL);
  if (const int err = platform::open_dir_ref(out.path.c_str(), out.fd)) throw_errno("cannot open the directory", out.path, err);
  out.name_max = 255;
}

const char* const system_temp_sources = "GetTempPathW: TMP, TEMP, USERPROFILE or the Windows directory";

int default_root_location(fs::path& out, bool& from_env) {
  from_env = false;
  if (const wchar_t* env = ::_wgetenv(L"BOOST_TEMPFM_ROOT"); env && *env) {
    from_env = true;
    out = env;
    return 0;
  }
  wchar_t buf[MAX_PATH + 2];
  const DWORD n = ::GetTempPathW(MAX_PATH + 2, buf);
  if (n == 0) return platform::last_errno();
  if (n > MAX_PATH + 1) return ENAMETOOLONG;
  out = std::wstring(buf, n);
  out /= L"tempfm";
  return 0;
}

}  // namespace detail
}  // namespace boost_tempfm
