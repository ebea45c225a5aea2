// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// The temp root: the private per-user default, BOOST_TEMPFM_ROOT, and a given base_dir. The
// default root's privacy is its mode bits and owner on POSIX, its DACL and owner on Windows: each
// platform has cases of its own (the POSIX ones carry skip_on_windows, the Windows ones are built
// there only); those about a given base_dir and the variables run on both.
#define BOOST_TEST_MODULE test_root
#include "support.hpp"

#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/temp_file_manager.hpp>

#ifdef _WIN32
#include <aclapi.h>
#include <sddl.h>
#include <winioctl.h>
#endif

#include <algorithm>
#include <cstdlib>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

namespace {

void unset_env(const char* name) {
#ifdef _WIN32
  ::_putenv_s(name, "");  // an empty value removes the variable there
#else
  ::unsetenv(name);
#endif
}

// The variable that names the system temp dir first: TMPDIR on POSIX; TMP on Windows, where
// GetTempPathW reads TMP, then TEMP, then USERPROFILE.
#ifdef _WIN32
constexpr const char* temp_var = "TMP";
#else
constexpr const char* temp_var = "TMPDIR";
#endif

// Points the system temp dir at a scratch dir (temp_var), without BOOST_TEMPFM_ROOT, for one test.
// The system temp dir's fallbacks are unset for the test too (TMP, TEMP and TEMPDIR on POSIX; TEMP
// on Windows).
struct env_guard {
#ifdef _WIN32
  static constexpr const char* vars[] = {"TMP", "TEMP", "BOOST_TEMPFM_ROOT"};
#else
  static constexpr const char* vars[] = {"TMPDIR", "TMP", "TEMP", "TEMPDIR", "BOOST_TEMPFM_ROOT"};
#endif
  static constexpr int n = sizeof vars / sizeof vars[0];
  std::string old[n];
  bool had[n];
  env_guard() {
    for (int i = 0; i < n; ++i) {
      const char* v = std::getenv(vars[i]);
      had[i] = v != nullptr;
      if (v) old[i] = v;
      if (i > 0) unset_env(vars[i]);
    }
  }
  ~env_guard() {
    for (int i = 0; i < n; ++i) {
      if (had[i])
        set_env(vars[i], old[i]);
      else
        unset_env(vars[i]);
    }
  }
};

#ifndef _WIN32
fs::path default_root_in(const fs::path& tmp) { return tmp / ("tempfm-" + std::to_string(::geteuid())); }
#endif

// Expects the default-root constructor to throw filesystem_error naming root with errno `err`
// and a reason containing `reason`.
void expect_refused(const fs::path& root, int err, const std::string& reason) {
  try {
    tfm::temp_file_manager m;
    BOOST_FAIL("expected the root " << root << " to be refused");
  } catch (const fs::filesystem_error& e) {
    BOOST_TEST(e.code().value() == err);
    BOOST_TEST(e.path1() == root);
    BOOST_TEST(std::string(e.what()).find(reason) != std::string::npos, e.what());
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(default_root_is_private_per_user_under_tmpdir,
                     *boost::unit_test::precondition(skip_on_windows{"the POSIX default root: mode 0700 under umask(0) in TMPDIR (the Windows cases check its DACL)"})) {
#ifndef _WIN32  // skipped on Windows (above): POSIX calls
  scratch s;
  env_guard g;
  ::setenv("TMPDIR", s.dir.c_str(), 1);
  const mode_t old = ::umask(0);
  tfm::temp_file_manager m;
  ::umask(old);
  const fs::path root = default_root_in(fs::canonical(s.dir));
  BOOST_TEST(m.root() == root);
  BOOST_TEST(mode_of(root) == 0700u);
  tfm::temp_file f = m.create_temp_file();
  BOOST_TEST(f.path().parent_path() == root);
  tfm::temp_file_manager again;  // the existing private root is accepted
  BOOST_TEST(again.root() == root);
#endif
}

BOOST_AUTO_TEST_CASE(env_variable_overrides_the_default_root,
                     *boost::unit_test::precondition(skip_on_windows{"checks the POSIX mode of the root BOOST_TEMPFM_ROOT names (the Windows case checks its DACL)"})) {
#ifndef _WIN32  // skipped on Windows (above): POSIX calls
  scratch s;
  env_guard g;
  ::setenv("TMPDIR", s.dir.c_str(), 1);
  ::setenv("BOOST_TEMPFM_ROOT", (s.dir / "team-root").c_str(), 1);
  tfm::temp_file_manager m;
  BOOST_TEST(m.root() == fs::canonical(s.dir / "team-root"));
  BOOST_TEST(mode_of(m.root()) == 0700u);
  BOOST_TEST(!fs::exists(default_root_in(s.dir)));
  // A given base_dir wins over the variable.
  tfm::temp_file_manager given("p_", s.dir / "given");
  BOOST_TEST(given.root() == fs::canonical(s.dir / "given"));
#endif
}

BOOST_AUTO_TEST_CASE(default_root_open_to_others_is_refused,
                     *boost::unit_test::precondition(skip_on_windows{"a default root opened to others with POSIX permission bits (the Windows cases open its DACL)"})) {
#ifndef _WIN32  // skipped on Windows (above): POSIX calls
  scratch s;
  env_guard g;
  ::setenv("TMPDIR", s.dir.c_str(), 1);
  const fs::path root = default_root_in(s.dir);
  fs::create_directory(root);
  ::chmod(root.c_str(), 0755);
  expect_refused(root, EPERM, "mode 0755 gives access to other users");
  ::chmod(root.c_str(), 0701);
  expect_refused(root, EPERM, "mode 0701");
  BOOST_TEST(listing(root).empty());  // nothing created in it
  BOOST_TEST(mode_of(root) == 0701u);  // and never "repaired"
#endif
}

BOOST_AUTO_TEST_CASE(default_root_that_is_a_symlink_or_file_is_refused,
                     *boost::unit_test::precondition(skip_on_windows{"a POSIX symlink and mode bits (the Windows cases use a junction and a file)"})) {
#ifndef _WIN32  // skipped on Windows (above): POSIX calls
  scratch s;
  env_guard g;
  ::setenv("TMPDIR", s.dir.c_str(), 1);
  const fs::path root = default_root_in(s.dir);
  fs::create_directory(s.dir / "trap");
  ::chmod((s.dir / "trap").c_str(), 0700);
  fs::create_directory_symlink(s.dir / "trap", root);
  expect_refused(root, ELOOP, "it is a symlink");
  BOOST_TEST(listing(s.dir / "trap").empty());
  fs::remove(root);
  write_file(root, "a file");
  expect_refused(root, ENOTDIR, "not a directory");
  BOOST_TEST(read_file(root) == "a file");
#endif
}

BOOST_AUTO_TEST_CASE(default_root_owned_by_another_user_is_refused,
                     *boost::unit_test::precondition(skip_on_windows{"needs a second user (chown to nobody, or / owned by root)"})) {
#ifndef _WIN32  // skipped on Windows (above): POSIX calls
  // Needs a second user: as root (CI, the README) the directory is handed to nobody; unprivileged,
  // "/" (owned by root) stands for another user's directory.
  scratch s;
  env_guard g;
  ::setenv("TMPDIR", s.dir.c_str(), 1);
  const fs::path root = default_root_in(s.dir);
  fs::create_directory(root);
  ::chmod(root.c_str(), 0700);
  if (::geteuid() == 0) {
    BOOST_REQUIRE(::chown(root.c_str(), nobody_uid, nobody_gid) == 0);
    expect_refused(root, EPERM, "owned by uid 65534, not by uid 0");
  } else {
    // The unprivileged way: ask for a root in a directory we do not own at all.
    ::setenv("BOOST_TEMPFM_ROOT", "/", 1);
    try {
      tfm::temp_file_manager m;
      BOOST_FAIL("/ must be refused as a private root");
    } catch (const fs::filesystem_error& e) {
      BOOST_TEST(std::string(e.what()).find("owned by uid 0") != std::string::npos, e.what());
    }
  }
#endif
}

BOOST_AUTO_TEST_CASE(given_base_dir_is_created_if_missing) {
  scratch s;
  const fs::path base = s.dir / "a" / "b" / "c";
  tfm::temp_file_manager m("p_", base);
  BOOST_TEST(fs::is_directory(base));
  if (!on_windows) BOOST_TEST(mode_of(base) == 0700u);  // Windows: no mode bits
  tfm::temp_file f = m.create_temp_file();
  BOOST_TEST(f.path().parent_path() == fs::canonical(base));
}

BOOST_AUTO_TEST_CASE(relative_base_dir_gives_absolute_paths) {
  scratch s;
  const fs::path old = fs::current_path();
  fs::current_path(s.dir);
  tfm::temp_file_manager m("rel_", "work");
  fs::current_path(old);  // paths handed out do not depend on the current directory any more
  tfm::temp_file f = m.create_temp_file();
  BOOST_TEST(f.path().is_absolute());
  BOOST_TEST(f.path().parent_path() == fs::canonical(s.dir / "work"));
  BOOST_TEST(fs::exists(f.path()));
}

BOOST_AUTO_TEST_CASE(base_dir_through_a_symlink_in_a_directory_open_to_all_is_refused,
                     *boost::unit_test::precondition(skip_on_windows{"a directory made writable by others with POSIX permission bits, without the sticky bit (Windows checks no base_dir's DACL)"})) {
#ifndef _WIN32  // skipped on Windows (above): POSIX calls
  // The symlink is ours, but it lies in a directory anyone can write (no sticky bit): anyone could
  // replace it, so it is refused like the directory itself would be; nothing is created.
  scratch s;
  fs::create_directories(s.dir / "open");
  ::chmod((s.dir / "open").c_str(), 0777);
  fs::create_directories(s.dir / "safe");
  fs::create_directory_symlink(s.dir / "safe", s.dir / "open" / "link");
  try {
    tfm::temp_file_manager m("p_", s.dir / "open" / "link");
    BOOST_FAIL("a base_dir reached through a replaceable symlink must be refused");
  } catch (const fs::filesystem_error& e) {
    BOOST_TEST(std::string(e.what()).find("writable by other users without the sticky bit") != std::string::npos,
               e.what());
  }
  BOOST_TEST(fs::is_empty(s.dir / "safe"));
#endif
}

BOOST_AUTO_TEST_CASE(base_dir_that_is_a_file_is_refused) {
  scratch s;
  write_file(s.dir / "file", "x");
  try {
    tfm::temp_file_manager m("p_", s.dir / "file");
    BOOST_FAIL("expected an error");
  } catch (const fs::filesystem_error& e) {
    BOOST_TEST(e.code().value() == ENOTDIR);
    BOOST_TEST(e.path1() == s.dir / "file");
    BOOST_TEST(std::string(e.what()).find("not a directory") != std::string::npos);
  }
  BOOST_TEST(read_file(s.dir / "file") == "x");
}

BOOST_AUTO_TEST_CASE(base_dir_not_writable_is_refused,
                     *boost::unit_test::precondition(skip_on_windows{"runs as another user (nobody, from fork(2)) so that POSIX permission bits apply"})) {
#ifndef _WIN32  // skipped on Windows (above): POSIX calls
  scratch s;
  fs::create_directories(s.dir / "ro");
  child_result r = run_unprivileged(s.dir, [&] {
    child_checks check;
    ::chmod((s.dir / "ro").c_str(), 0500);
    try {
      tfm::temp_file_manager m("p_", s.dir / "ro");
      check(false, "a read-only base_dir was accepted");
    } catch (const fs::filesystem_error& e) {
      check(e.code().value() == EACCES, std::string("errno EACCES: ") + e.what());
      check(e.path1() == s.dir / "ro", "names the path");
      check(std::string(e.what()).find("not writable") != std::string::npos, e.what());
    }
    check(listing(s.dir / "ro").empty(), "nothing created");
    return check.failed;
  });
  BOOST_TEST(r.exited_with(0), r.out);
#endif
}

BOOST_AUTO_TEST_CASE(bad_tmpdir_is_a_clear_error) {
  scratch s;
  env_guard g;
  set_env(temp_var, (s.dir / "missing").string());
  BOOST_CHECK_THROW(tfm::temp_file_manager m, fs::filesystem_error);
}

BOOST_AUTO_TEST_CASE(an_empty_variable_is_unset,
                     *boost::unit_test::precondition(skip_on_windows{"the POSIX fallbacks of the temp dir (TMPDIR, TMP, TEMP, TEMPDIR, then /tmp) and tempfm-UID"})) {
#ifndef _WIN32  // skipped on Windows (above): POSIX calls
  // TMPDIR= (empty) is common in scripts: the next variable, then /tmp, as if it were not there.
  scratch s;
  env_guard g;
  const std::string uid = std::to_string(::geteuid());
  ::setenv("TMPDIR", "", 1);
  BOOST_TEST(tfm::default_root() == fs::path("/tmp") / ("tempfm-" + uid));
  ::setenv("TMP", s.dir.c_str(), 1);
  BOOST_TEST(tfm::default_root() == s.dir / ("tempfm-" + uid));
  ::setenv("BOOST_TEMPFM_ROOT", "", 1);
  {
    tfm::temp_file_manager m;  // the default root, under TMP
    BOOST_TEST(m.create_temp_file().path().parent_path() == s.dir / ("tempfm-" + uid));
  }
  ::setenv("BOOST_TEMPFM_ROOT", (s.dir / "explicit").c_str(), 1);
  BOOST_TEST(tfm::default_root() == s.dir / "explicit");
#endif
}

BOOST_AUTO_TEST_CASE(a_temp_dir_that_is_not_a_directory_is_named) {
  scratch s;
  env_guard g;
  write_file(s.dir / "file", "x");
  set_env(temp_var, (s.dir / "file").string());
  boost::system::error_code ec;
  if (!on_windows) {  // POSIX looks at TMPDIR itself; Windows takes what GetTempPathW gives
    BOOST_TEST(tfm::default_root(ec).empty());
    BOOST_TEST(ec.value() == ENOTDIR);
  }
  try {
    tfm::temp_file_manager m;
    BOOST_FAIL("a TMPDIR that is a file must be refused");
  } catch (const fs::filesystem_error& e) {
    BOOST_TEST(std::string(e.what()).find((s.dir / "file").string()) != std::string::npos, e.what());
    BOOST_TEST(e.code().value() == ENOTDIR, e.what());
  }
  if (!on_windows) {
    set_env(temp_var, (s.dir / "missing").string());
    BOOST_TEST(tfm::default_root(ec).empty());
    BOOST_TEST(ec.value() == ENOENT);
  }
}

#ifdef _WIN32
// ---- Windows: the default root is <GetTempPathW()>\tempfm, private by its DACL.

namespace {

std::string sid_text(PSID sid) {
  wchar_t* w = nullptr;
  if (!::ConvertSidToStringSidW(sid, &w)) return "?";
  const std::string out = fs::path(w).string();
  ::LocalFree(w);
  return out;
}

std::string current_user_sid() {
  HANDLE token = nullptr;
  BOOST_REQUIRE(::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &token));
  alignas(8) unsigned char buf[256];
  DWORD len = 0;
  const bool ok = ::GetTokenInformation(token, TokenUser, buf, sizeof buf, &len) != 0;
  ::CloseHandle(token);
  BOOST_REQUIRE(ok);
  return sid_text(reinterpret_cast<TOKEN_USER*>(buf)->User.Sid);
}

// A directory's owner and DACL as GetNamedSecurityInfoW reads them back.
struct security {
  std::string owner;
  bool is_protected = false;
  bool has_dacl = false;
  std::vector<std::pair<std::string, ACCESS_MASK>> allowed, denied;  // SID, access
};

security security_of(const fs::path& p) {
  PSID owner = nullptr;
  PACL dacl = nullptr;
  PSECURITY_DESCRIPTOR sd = nullptr;
  const DWORD rc = ::GetNamedSecurityInfoW(p.c_str(), SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                                           &owner, nullptr, &dacl, nullptr, &sd);
  BOOST_REQUIRE_MESSAGE(rc == ERROR_SUCCESS, "GetNamedSecurityInfoW(" << p.string() << "): " << rc);
  security out;
  out.owner = sid_text(owner);
  SECURITY_DESCRIPTOR_CONTROL control = 0;
  DWORD revision = 0;
  if (::GetSecurityDescriptorControl(sd, &control, &revision)) out.is_protected = (control & SE_DACL_PROTECTED) != 0;
  out.has_dacl = dacl != nullptr;
  for (DWORD i = 0; dacl && i < dacl->AceCount; ++i) {
    void* ace = nullptr;
    if (!::GetAce(dacl, i, &ace)) continue;
    const BYTE type = static_cast<ACE_HEADER*>(ace)->AceType;
    if (type == ACCESS_ALLOWED_ACE_TYPE) {
      auto* a = static_cast<ACCESS_ALLOWED_ACE*>(ace);
      out.allowed.emplace_back(sid_text(&a->SidStart), a->Mask);
    } else if (type == ACCESS_DENIED_ACE_TYPE) {
      auto* a = static_cast<ACCESS_DENIED_ACE*>(ace);
      out.denied.emplace_back(sid_text(&a->SidStart), a->Mask);
    }
  }
  ::LocalFree(sd);
  return out;
}

// Gives p the protected DACL `sddl` ("D:P(A;OICI;FA;;;SID)...").
void set_dacl(const fs::path& p, const std::string& sddl) {
  PSECURITY_DESCRIPTOR sd = nullptr;
  BOOST_REQUIRE(::ConvertStringSecurityDescriptorToSecurityDescriptorW(fs::path(sddl).c_str(), SDDL_REVISION_1, &sd, nullptr));
  BOOL present = FALSE, defaulted = FALSE;
  PACL dacl = nullptr;
  BOOST_REQUIRE(::GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted));
  const DWORD rc = ::SetNamedSecurityInfoW(const_cast<wchar_t*>(p.c_str()), SE_FILE_OBJECT,
                                           DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, nullptr,
                                           nullptr, dacl, nullptr);
  ::LocalFree(sd);
  BOOST_REQUIRE_MESSAGE(rc == ERROR_SUCCESS, "SetNamedSecurityInfoW(" << p.string() << "): " << rc);
}

// Makes link (a new directory) a junction to target: a reparse point any user can make.
void make_junction(const fs::path& link, const fs::path& target) {
  fs::create_directory(link);
  HANDLE h = ::CreateFileW(link.c_str(), GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                           FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
  BOOST_REQUIRE(h != INVALID_HANDLE_VALUE);
  const std::wstring sub = L"\\??\\" + fs::absolute(target).wstring();
  struct {
    DWORD tag;
    WORD length, reserved, sub_offset, sub_length, print_offset, print_length;
    wchar_t names[1024];
  } r{};
  r.tag = IO_REPARSE_TAG_MOUNT_POINT;
  std::copy(sub.begin(), sub.end(), r.names);
  r.sub_length = static_cast<WORD>(sub.size() * 2);
  r.print_offset = static_cast<WORD>(r.sub_length + 2);
  r.length = static_cast<WORD>(8 + r.sub_length + 2 + 2);
  DWORD n = 0;
  const BOOL ok = ::DeviceIoControl(h, FSCTL_SET_REPARSE_POINT, &r, 8u + r.length, nullptr, 0, &n, nullptr);
  const DWORD err = ::GetLastError();
  ::CloseHandle(h);
  BOOST_REQUIRE_MESSAGE(ok, "FSCTL_SET_REPARSE_POINT: " << err);
}

fs::path default_root_in(const fs::path& tmp) { return tmp / "tempfm"; }

}  // namespace

BOOST_AUTO_TEST_CASE(windows_default_root_is_private_to_the_user_under_the_temp_dir) {
  scratch s;
  env_guard g;
  set_env(temp_var, s.dir.string());
  tfm::temp_file_manager m;
  const fs::path root = default_root_in(fs::canonical(s.dir));
  BOOST_TEST(m.root() == root);
  BOOST_TEST(tfm::default_root() == default_root_in(s.dir));
  const std::string user = current_user_sid();
  security sec = security_of(root);
  BOOST_TEST(sec.owner == user);
  BOOST_TEST(sec.has_dacl);
  BOOST_TEST(sec.denied.empty());
  // The user alone, with full control. Wine 8 keeps a DACL as Unix permission bits and reads back an
  // ACE for SYSTEM on every file besides the owner's (and Everyone's, from the bits for others).
  if (on_wine())
    sec.allowed.erase(std::remove_if(sec.allowed.begin(), sec.allowed.end(), [](const auto& a) { return a.first == "S-1-5-18"; }),
                      sec.allowed.end());
  BOOST_REQUIRE_EQUAL(sec.allowed.size(), 1u);
  BOOST_TEST(sec.allowed[0].first == user);
  BOOST_TEST((sec.allowed[0].second & FILE_ALL_ACCESS) == static_cast<ACCESS_MASK>(FILE_ALL_ACCESS));
  tfm::temp_file f = m.create_temp_file();
  BOOST_TEST(f.path().parent_path() == root);
  tfm::temp_file_manager again;  // the existing private root is accepted
  BOOST_TEST(again.root() == root);
}

BOOST_AUTO_TEST_CASE(windows_default_root_dacl_is_protected,
                     *boost::unit_test::precondition(skip_on_wine{
                         "wine 8 keeps no SE_DACL_PROTECTED (checked: GetNamedSecurityInfoW never reports it, "
                         "whatever CreateDirectoryW or SetNamedSecurityInfoW was given)"})) {
  scratch s;
  env_guard g;
  set_env(temp_var, s.dir.string());
  tfm::temp_file_manager m;
  BOOST_TEST(security_of(m.root()).is_protected);  // nothing inherited from the temp dir
}

BOOST_AUTO_TEST_CASE(windows_env_variable_overrides_the_default_root) {
  scratch s;
  env_guard g;
  set_env(temp_var, s.dir.string());
  set_env("BOOST_TEMPFM_ROOT", (s.dir / "team-root").string());
  BOOST_TEST(tfm::default_root() == s.dir / "team-root");
  tfm::temp_file_manager m;
  BOOST_TEST(m.root() == fs::canonical(s.dir / "team-root"));
  BOOST_TEST(security_of(m.root()).owner == current_user_sid());
  BOOST_TEST(!fs::exists(default_root_in(s.dir)));
  // A given base_dir wins over the variable.
  tfm::temp_file_manager given("p_", s.dir / "given");
  BOOST_TEST(given.root() == fs::canonical(s.dir / "given"));
}

BOOST_AUTO_TEST_CASE(windows_default_root_whose_dacl_lets_everyone_in_is_refused) {
  scratch s;
  env_guard g;
  set_env(temp_var, s.dir.string());
  const fs::path root = default_root_in(s.dir);
  fs::create_directory(root);
  set_dacl(root, "D:P(A;OICI;FA;;;" + current_user_sid() + ")(A;OICI;FR;;;WD)");
  expect_refused(root, EPERM, "its DACL gives access to S-1-1-0");
  BOOST_TEST(listing(root).empty());  // nothing created in it
  const security sec = security_of(root);  // and never "repaired"
  BOOST_TEST(std::count_if(sec.allowed.begin(), sec.allowed.end(), [](const auto& a) { return a.first == "S-1-1-0"; }) == 1);
}

BOOST_AUTO_TEST_CASE(windows_default_root_whose_dacl_lets_users_in_is_refused,
                     *boost::unit_test::precondition(skip_on_wine{
                         "wine 8 keeps a file's DACL as its Unix permission bits, the owner's and everyone's (checked: "
                         "an ACE for BUILTIN\\Users, S-1-5-32-545, given to SetNamedSecurityInfoW or CreateDirectoryW "
                         "is not read back), so no DACL can name Users there"})) {
  scratch s;
  env_guard g;
  set_env(temp_var, s.dir.string());
  const fs::path root = default_root_in(s.dir);
  fs::create_directory(root);
  set_dacl(root, "D:P(A;OICI;FA;;;" + current_user_sid() + ")(A;OICI;FR;;;BU)");
  expect_refused(root, EPERM, "its DACL gives access to S-1-5-32-545");
  BOOST_TEST(listing(root).empty());
}

BOOST_AUTO_TEST_CASE(windows_default_root_that_is_a_file_is_refused) {
  scratch s;
  env_guard g;
  set_env(temp_var, s.dir.string());
  const fs::path root = default_root_in(s.dir);
  write_file(root, "a file");
  expect_refused(root, ENOTDIR, "not a directory");
  BOOST_TEST(read_file(root) == "a file");
}

BOOST_AUTO_TEST_CASE(windows_default_root_that_is_a_junction_is_refused,
                     *boost::unit_test::precondition(skip_on_wine{
                         "wine 8 can make no reparse point (checked: FSCTL_SET_REPARSE_POINT fails with "
                         "ERROR_NOT_SUPPORTED, and CreateSymbolicLinkW reports success and creates nothing)"})) {
  scratch s;
  env_guard g;
  set_env(temp_var, s.dir.string());
  const fs::path root = default_root_in(s.dir);
  fs::create_directory(s.dir / "trap");
  make_junction(root, s.dir / "trap");
  expect_refused(root, ELOOP, "it is a reparse point");
  BOOST_TEST(listing(s.dir / "trap").empty());
}
#endif
