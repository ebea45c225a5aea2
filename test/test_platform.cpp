// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// What the platform layer (libs/platform/platform.hpp) promises, checked on the backend this build
// has: the Linux one, or the portable POSIX one (BOOST_TEMPFM_PORTABLE_POSIX=ON). Exclusive
// creation refuses every existing name, symlinks included; removal never follows a symlink; mount
// points are seen (root: real mounts in a private mount namespace); random names differ; identity
// tells a re-created file from the registered one. What only the Linux backend gives is skipped with
// the portable one, saying why.
#define BOOST_TEST_MODULE test_platform
#include "support.hpp"

#include "libs/detail/file_identity.hpp"
#include "libs/detail/safe_remove.hpp"
#include "libs/platform/platform.hpp"

#include <boost_tempfm/temp_file_manager.hpp>

#include <dirent.h>
#include <sched.h>
#include <sys/mount.h>

#include <cstring>
#include <set>

using namespace tempfm_test;
namespace d = boost_tempfm::detail;
namespace pf = boost_tempfm::detail::platform;

namespace {

struct handle_guard {
  pf::handle h = pf::no_handle;
  ~handle_guard() { pf::close(h); }
};

d::format::identity identity(const fs::path& p) {
  d::format::identity id;
  BOOST_REQUIRE(d::identity_of(p.c_str(), id) == 0);
  return id;
}

// The inode number dir's listing gives for name (0 if not listed).
std::uint64_t listed_ino(const fs::path& dir, const std::string& name) {
  DIR* dp = ::opendir(dir.c_str());
  if (!dp) return 0;
  std::uint64_t ino = 0;
  while (struct dirent* de = ::readdir(dp))
    if (name == de->d_name) ino = static_cast<std::uint64_t>(de->d_ino);
  ::closedir(dp);
  return ino;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_backend_is_the_one_the_build_chose) {
  BOOST_TEST(std::string(pf::backend_name()) == (portable_backend ? "posix" : "linux"));
}

BOOST_AUTO_TEST_CASE(exclusive_creation_refuses_any_existing_name_and_never_follows_a_symlink) {
  scratch s;
  handle_guard dir;
  BOOST_REQUIRE(pf::open_dir_ref(s.dir.c_str(), dir.h) == 0);
  handle_guard f;
  BOOST_REQUIRE(pf::create_file(dir.h, "f", 0600, &f.h) == 0);
  BOOST_TEST(::write(f.h, "x", 1) == 1);
  BOOST_TEST((::fcntl(f.h, F_GETFD) & FD_CLOEXEC) != 0);  // never inherited by a program we run
  BOOST_TEST(mode_of(s.dir / "f") == 0600u);
  BOOST_TEST(pf::create_file(dir.h, "f", 0600, nullptr) == EEXIST);
  BOOST_TEST(pf::create_dir(dir.h, "f", 0700) == EEXIST);
  BOOST_TEST(read_file(s.dir / "f") == "x");  // not truncated

  // A symlink, dangling or not, is an existing name: its target is neither created nor opened.
  fs::create_symlink(s.dir / "target", s.dir / "dangling");
  BOOST_TEST(pf::create_file(dir.h, "dangling", 0600, nullptr) == EEXIST);
  BOOST_TEST(pf::create_dir(dir.h, "dangling", 0700) == EEXIST);
  BOOST_TEST(!exists_nofollow(s.dir / "target"));
  write_file(s.dir / "kept", "keep");
  fs::create_symlink(s.dir / "kept", s.dir / "link");
  BOOST_TEST(pf::create_file(dir.h, "link", 0600, nullptr) == EEXIST);
  BOOST_TEST(read_file(s.dir / "kept") == "keep");

  // A directory; a name of its own (no directory handle).
  BOOST_TEST(pf::create_dir(dir.h, "d", 0700) == 0);
  BOOST_TEST(mode_of(s.dir / "d") == 0700u);
  BOOST_TEST(pf::create_dir(dir.h, "d", 0700) == EEXIST);
  BOOST_TEST(pf::create_file(pf::no_handle, (s.dir / "abs").c_str(), 0600, nullptr) == 0);
  BOOST_TEST(pf::create_file(pf::no_handle, (s.dir / "abs").c_str(), 0600, nullptr) == EEXIST);
  BOOST_TEST(pf::create_dir(pf::no_handle, (s.dir / "absdir").c_str(), 0700) == 0);
  BOOST_TEST(pf::create_file(dir.h, "missing/f", 0600, nullptr) == ENOENT);
}

BOOST_AUTO_TEST_CASE(random_bytes_and_names_differ) {
  unsigned char a[256], b[256];
  BOOST_REQUIRE(pf::random_bytes(a, sizeof a) == 0);
  BOOST_REQUIRE(pf::random_bytes(b, sizeof b) == 0);
  BOOST_TEST(std::memcmp(a, b, sizeof a) != 0);
  BOOST_TEST(pf::random_bytes(a, 257) == EINVAL);
  scratch s;
  boost_tempfm::temp_file_manager m("p_", s.dir);
  std::vector<boost_tempfm::temp_file> files;
  std::set<std::string> names;
  for (int i = 0; i < 500; ++i) {
    files.push_back(m.create_temp_file());
    names.insert(files.back().path().filename().string());
  }
  BOOST_TEST(names.size() == 500u);
  BOOST_TEST(listing(s.dir).size() == 500u);
}

BOOST_AUTO_TEST_CASE(removal_never_follows_a_symlink) {
  scratch s;
  const fs::path outside = s.dir / "outside";
  fs::create_directories(outside / "sub");
  write_file(outside / "sub" / "data", "keep");
  const fs::path tree = s.dir / "tree";
  fs::create_directories(tree / "a" / "locked");
  write_file(tree / "a" / "locked" / "f", "x");
  fs::create_directory_symlink(outside, tree / "a" / "to_dir");
  fs::create_symlink(outside / "sub" / "data", tree / "a" / "to_file");
  ::chmod((tree / "a" / "locked").c_str(), 0);  // given 0700 by make_dir_private, then emptied
  fs::create_directory_symlink(outside, s.dir / "top_link");

  d::removal_result r = d::remove_tree(s.dir / "top_link");  // the link itself, not what it names
  BOOST_TEST(!r.ec, r.ec.message());
  BOOST_TEST(!exists_nofollow(s.dir / "top_link"));
  BOOST_TEST(read_file(outside / "sub" / "data") == "keep");

  child_result c = run_unprivileged(s.dir, [&] {  // permission bits apply: not root
    const d::removal_result t = d::remove_tree(tree);
    if (t.ec) std::fprintf(stderr, "%s\n", d::describe_failure(t).c_str());
    return t.ec ? 1 : 0;
  });
  BOOST_TEST(c.exited_with(0), c.out);
  BOOST_TEST(!exists_nofollow(tree));
  BOOST_TEST(read_file(outside / "sub" / "data") == "keep");
  BOOST_TEST(mode_of(outside) == 0755u);

  // make_dir_private on a symlink changes nothing the link names.
  fs::create_directories(s.dir / "closed");
  ::chmod((s.dir / "closed").c_str(), 0500);
  fs::create_directory_symlink(s.dir / "closed", s.dir / "closed_link");
  handle_guard dir;
  BOOST_REQUIRE(pf::open_dir_ref(s.dir.c_str(), dir.h) == 0);
  bool mount = false;
  BOOST_TEST(pf::make_dir_private(dir.h, "closed_link", 0, mount) == ENOTDIR);
  BOOST_TEST(mode_of(s.dir / "closed") == 0500u);
  BOOST_TEST(pf::make_dir_private(dir.h, "closed", 0, mount) == 0);
  BOOST_TEST(!mount);
  BOOST_TEST(mode_of(s.dir / "closed") == 0700u);
}

BOOST_AUTO_TEST_CASE(mount_points_are_seen_by_the_parents_listing,
                     *boost::unit_test::precondition([](auto) { return is_root(); })) {
  scratch s;
  child_result r = run_forked([&] {
    if (::unshare(CLONE_NEWNS) != 0 || ::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return 90;
    child_checks check;
    const fs::path top = s.dir / "top";
    fs::create_directories(s.dir / "src");
    fs::create_directories(top / "bind");
    fs::create_directories(top / "tmpfs");
    fs::create_directories(top / "plain");
    if (::mount((s.dir / "src").c_str(), (top / "bind").c_str(), nullptr, MS_BIND, nullptr) != 0) return 91;
    if (::mount("tmpfs", (top / "tmpfs").c_str(), "tmpfs", 0, "size=1m") != 0) return 92;
    handle_guard parent;
    if (pf::open_dir_ref(top.c_str(), parent.h) != 0) return 93;
    for (const char* name : {"bind", "tmpfs", "plain"}) {
      const int fd = ::openat(parent.h, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      check(fd >= 0, std::string("open ") + name);
      const bool want = std::strcmp(name, "plain") != 0;
      check(pf::is_mount_point(parent.h, fd, listed_ino(top, name)) == want, std::string("mount point? ") + name);
      if (std::strcmp(name, "tmpfs") == 0)  // another device: seen without the listing too
        check(pf::is_mount_point(parent.h, fd, 0), "tmpfs without the listing");
      ::close(fd);
      bool mount = false;
      const int err = pf::make_dir_private(parent.h, name, listed_ino(top, name), mount);
      check(want ? err == EBUSY && mount : err == 0 && !mount, std::string("make_dir_private ") + name);
    }
    // A removal reports both and empties neither.
    write_file(s.dir / "src" / "precious", "p");
    write_file(top / "tmpfs" / "precious", "p");
    const d::removal_result rm = d::remove_tree(top);
    check(rm.ec.value() == EBUSY && rm.mount_point, "the removal reports a mount point");
    check(exists_nofollow(s.dir / "src" / "precious") && exists_nofollow(top / "tmpfs" / "precious"), "emptied");
    ::umount2((top / "bind").c_str(), MNT_DETACH);
    ::umount2((top / "tmpfs").c_str(), MNT_DETACH);
    return check.failed;
  });
  BOOST_TEST(r.exited_with(0), r.out);
}

BOOST_AUTO_TEST_CASE(a_bind_mount_is_seen_without_the_parents_listing,
                     *boost::unit_test::precondition([](auto) { return is_root(); }) *
                         boost::unit_test::precondition(linux_backend_only{
                             "sees a bind mount of the same filesystem only through its parent's listing (no "
                             "statx STATX_ATTR_MOUNT_ROOT): a path given directly is checked by device only"})) {
  scratch s;
  child_result r = run_forked([&] {
    if (::unshare(CLONE_NEWNS) != 0 || ::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return 90;
    fs::create_directories(s.dir / "src");
    fs::create_directories(s.dir / "bind");
    if (::mount((s.dir / "src").c_str(), (s.dir / "bind").c_str(), nullptr, MS_BIND, nullptr) != 0) return 91;
    handle_guard parent;
    if (pf::open_dir_ref(s.dir.c_str(), parent.h) != 0) return 93;
    const int fd = ::openat(parent.h, "bind", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    const bool seen = fd >= 0 && pf::is_mount_point(parent.h, fd, 0);
    ::close(fd);
    ::umount2((s.dir / "bind").c_str(), MNT_DETACH);
    return seen ? 0 : 1;
  });
  BOOST_TEST(r.exited_with(0), r.out);
}

BOOST_AUTO_TEST_CASE(identity_tells_a_re_created_file_from_the_registered_one) {
  scratch s;
  const fs::path f = s.dir / "f";
  write_file(f, "one");
  const d::format::identity then = identity(f);
  BOOST_TEST(d::same_object(then, identity(f)));
  fs::remove(f);
  ::usleep(50000);  // past any timestamp tick
  write_file(f, "two");  // often the same inode number again
  BOOST_TEST(!d::same_object(then, identity(f)));
  d::format::identity none;
  BOOST_TEST(d::identity_of((s.dir / "missing").c_str(), none) == ENOENT);
  bool is_dir = false;
  (void)d::identity_of(s.dir.c_str(), none, &is_dir);
  BOOST_TEST(is_dir);
}

BOOST_AUTO_TEST_CASE(identity_tells_a_file_re_created_within_the_same_tick,
                     *boost::unit_test::precondition(linux_backend_only{
                         "has no inode generation (no file handle): a file re-created at the same path with the "
                         "same inode number within one timestamp tick looks like the registered one"})) {
  scratch s;
  const fs::path f = s.dir / "f";
  int reused = 0;
  for (int i = 0; i < 50 && reused < 5; ++i) {
    write_file(f, "one");
    const d::format::identity then = identity(f);
    fs::remove(f);
    write_file(f, "two");
    const d::format::identity now = identity(f);
    if (now.ino != then.ino) continue;  // this filesystem gave another inode: nothing to tell apart
    ++reused;
    BOOST_TEST(!d::same_object(then, now));
    fs::remove(f);
  }
  BOOST_WARN_MESSAGE(reused > 0, "the filesystem of " << s.dir << " never reused an inode number: nothing checked");
}

BOOST_AUTO_TEST_CASE(identity_stays_while_the_registered_object_changes,
                     *boost::unit_test::precondition(linux_backend_only{no_birth_time})) {
  scratch s;
  write_file(s.dir / "f", "one");
  fs::create_directories(s.dir / "d");
  const d::format::identity file_then = identity(s.dir / "f"), dir_then = identity(s.dir / "d");
  ::usleep(50000);
  write_file(s.dir / "f", "rewritten");
  write_file(s.dir / "d" / "new", "entry");
  BOOST_TEST(d::same_object(file_then, identity(s.dir / "f")));
  BOOST_TEST(d::same_object(dir_then, identity(s.dir / "d")));
}

BOOST_AUTO_TEST_CASE(a_rename_that_never_replaces) {
  scratch s;
  write_file(s.dir / "a", "a");
  write_file(s.dir / "b", "b");
  BOOST_TEST(pf::rename_no_replace(pf::no_handle, (s.dir / "a").c_str(), pf::no_handle, (s.dir / "b").c_str()) == EEXIST);
  BOOST_TEST(read_file(s.dir / "a") == "a");
  BOOST_TEST(read_file(s.dir / "b") == "b");
  handle_guard dir;
  BOOST_REQUIRE(pf::open_dir_ref(s.dir.c_str(), dir.h) == 0);
  BOOST_TEST(pf::rename_no_replace(dir.h, "a", dir.h, "c") == 0);
  BOOST_TEST(!exists_nofollow(s.dir / "a"));
  BOOST_TEST(read_file(s.dir / "c") == "a");
  BOOST_TEST(pf::rename_no_replace(dir.h, "missing", dir.h, "d") == ENOENT);
}

BOOST_AUTO_TEST_CASE(unnamed_files_where_the_platform_has_them) {
  scratch s;
  handle_guard dir, f;
  BOOST_REQUIRE(pf::open_dir_ref(s.dir.c_str(), dir.h) == 0);
  const int err = pf::open_unnamed(dir.h, 0600, f.h);
  if (portable_backend) {  // documented: no O_TMPFILE, and no way to name an open file
    BOOST_TEST(err == EOPNOTSUPP);
    handle_guard named;
    BOOST_REQUIRE(pf::create_file(dir.h, "named", 0600, &named.h) == 0);
    BOOST_TEST(pf::link_open_file(named.h, (s.dir / "second").c_str()) == EOPNOTSUPP);
    return;
  }
  BOOST_REQUIRE(err == 0);
  BOOST_TEST((::fcntl(f.h, F_GETFD) & FD_CLOEXEC) != 0);
  BOOST_TEST(::write(f.h, "x", 1) == 1);
  BOOST_TEST(listing(s.dir).empty());
  BOOST_TEST(pf::link_open_file(f.h, (s.dir / "named").c_str()) == 0);
  BOOST_TEST(read_file(s.dir / "named") == "x");
  BOOST_TEST(pf::link_open_file(f.h, (s.dir / "named").c_str()) == EEXIST);
}

BOOST_AUTO_TEST_CASE(copies_in_the_kernel_where_it_can) {
  scratch s;
  const std::string content(100000, 'c');
  write_file(s.dir / "from", content);
  handle_guard from, to;
  from.h = ::open((s.dir / "from").c_str(), O_RDONLY | O_CLOEXEC);
  BOOST_REQUIRE(from.h >= 0);
  BOOST_REQUIRE(pf::create_file(pf::no_handle, (s.dir / "to").c_str(), 0600, &to.h) == 0);
  std::uint64_t copied = 1;
  const int err = pf::copy_in_kernel(from.h, to.h, copied);
  if (portable_backend) {  // the caller copies with read and write
    BOOST_TEST(err == EOPNOTSUPP);
    BOOST_TEST(copied == 0u);
    return;
  }
  BOOST_TEST(err == 0);
  BOOST_TEST(copied == content.size());
  BOOST_TEST((read_file(s.dir / "to") == content));
}

BOOST_AUTO_TEST_CASE(allocation_keeps_what_the_file_holds_and_maps) {
  scratch s;
  handle_guard f;
  BOOST_REQUIRE(pf::create_file(pf::no_handle, (s.dir / "file").c_str(), 0600, &f.h) == 0);
  BOOST_REQUIRE(::write(f.h, "abc", 3) == 3);
  BOOST_TEST(pf::allocate(f.h, 0, 16384) == 0);
  struct stat st;
  BOOST_REQUIRE(::fstat(f.h, &st) == 0);
  BOOST_TEST(st.st_size == 16384);
  BOOST_TEST(std::uintmax_t(st.st_blocks) * 512u >= 16384u);  // allocated, not a hole
  BOOST_TEST(pf::allocate(f.h, 8192, 8192) == 0);  // already there: nothing changes
  int err = 0;
  const std::size_t reserved = std::size_t(1) << 24;
  void* base = pf::reserve_address_space(reserved, &err);
  BOOST_REQUIRE_MESSAGE(base != nullptr, "errno " << err);
  BOOST_TEST(pf::map_shared_at(base, 16384, f.h, 0) == 0);
  char* p = static_cast<char*>(base);
  pf::prefault(p, 16384);
  BOOST_TEST(std::string(p, 3) == "abc");
  p[8192] = 'z';
  char back = 0;
  BOOST_TEST(::pread(f.h, &back, 1, 8192) == 1);
  BOOST_TEST(back == 'z');
  pf::release_address_space(base, reserved);
}

BOOST_AUTO_TEST_CASE(a_signal_handler_lists_directories_where_it_can) {
  scratch s;
  fs::create_directories(s.dir / "sub");
  write_file(s.dir / "file", "x");
  const int fd = ::open(s.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  BOOST_REQUIRE(fd >= 0);
  alignas(8) char buf[512];
  pf::signal_safe_lister list(fd, buf, sizeof buf);
  std::set<std::string> names, dirs;
  const char* name;
  bool is_dir;
  while (list.next(name, is_dir)) {
    names.insert(name);
    if (is_dir) dirs.insert(name);
  }
  ::close(fd);
  if (pf::signal_safe_lister::supported()) {
    BOOST_TEST(names == (std::set<std::string>{".", "..", "file", "sub"}));
    BOOST_TEST(dirs.count("sub") == 1u);
    BOOST_TEST(dirs.count("file") == 0u);
  } else {
    BOOST_TEST(portable_backend);  // documented: a handler there removes files and empty directories
    BOOST_TEST(names.empty());
  }
}

BOOST_AUTO_TEST_CASE(this_process_as_the_backend_knows_it) {
  std::uint8_t boot[16];
  pf::boot_id(boot);
  struct stat ns;
  std::uint64_t start = 0;
  bool ended = true;
  const int err = pf::process_start_time(static_cast<std::uint32_t>(::getpid()), start, ended);
  if (portable_backend) {
    // No /proc: no PID namespace, and on Linux no portable boot id; 0.1's owners cannot be told.
    BOOST_TEST(pf::pid_namespace() == 0u);
    BOOST_TEST(err == ENOSYS);
    return;
  }
  BOOST_REQUIRE(::stat("/proc/self/ns/pid", &ns) == 0);
  BOOST_TEST(pf::pid_namespace() == static_cast<std::uint64_t>(ns.st_ino));
  const std::string id = read_file("/proc/sys/kernel/random/boot_id");
  char first[3];
  std::snprintf(first, sizeof first, "%02x", boot[0]);
  BOOST_TEST(id.substr(0, 2) == std::string(first));
  BOOST_TEST(err == 0);
  BOOST_TEST(!ended);
  BOOST_TEST(start > 0u);
  BOOST_TEST(pf::process_start_time(0x7ffffff0u, start, ended) == ESRCH);
}

BOOST_AUTO_TEST_CASE(fork_handlers_run_in_the_child) {
  static int ran = 0;
  BOOST_REQUIRE(pf::at_fork(nullptr, nullptr, [] { ran = 1; }) == 0);
  child_result r = run_forked([] { return ran == 1 ? 0 : 1; });
  BOOST_TEST(r.exited_with(0));
  BOOST_TEST(ran == 0);
}
