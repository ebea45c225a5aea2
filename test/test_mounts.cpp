// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// No removal descends into another mount: a directory bind-mounted (or a tmpfs mounted) inside a
// temp dir is left as it is and reported, by the sweep, cleanup_all, a handle's destructor, exit
// and the signal handler. Real mounts, in a private mount namespace of a child process (root).
#define BOOST_TEST_MODULE test_mounts
#include "support.hpp"

#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/signal.hpp>
#include <boost_tempfm/temp_file_manager.hpp>

#include <sched.h>
#include <signal.h>
#include <sys/mount.h>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

namespace {

// Runs fn in a child with a private mount namespace; fn returns the number of failed checks.
void in_mount_namespace(const std::function<int(child_checks&)>& fn) {
  child_result r = run_forked([&] {
    if (::unshare(CLONE_NEWNS) != 0 || ::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return 90;
    child_checks check;
    return fn(check) + check.failed;
  });
  BOOST_TEST(r.exited_with(0), r.out);
}

// Something precious somewhere else, mounted at dir/mnt: a bind mount of a directory of the same
// filesystem (same st_dev: only the mount tells it apart), or a tmpfs holding a file.
struct precious_mount {
  fs::path src, at;
  bool ok = false;
  precious_mount(const fs::path& scratch_dir, const fs::path& dir, bool tmpfs) : at(dir / "mnt") {
    src = scratch_dir / (tmpfs ? "unused" : "precious");
    fs::create_directories(src);
    fs::create_directories(at);
    if (tmpfs) {
      ok = ::mount("tmpfs", at.c_str(), "tmpfs", 0, "size=1m") == 0;
      if (ok) write_file(at / "data", "precious");
      src = at;
    } else {
      write_file(src / "data", "precious");
      fs::create_directories(src / "deeper");
      write_file(src / "deeper" / "more", "precious");
      ok = ::mount(src.c_str(), at.c_str(), nullptr, MS_BIND, nullptr) == 0;
    }
  }
  bool intact() const { return exists_nofollow(at / "data") && read_file(at / "data") == "precious"; }
  void unmount() { ::umount2(at.c_str(), MNT_DETACH); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(sweep_reports_a_mount_in_a_dead_owners_dir_and_never_empties_it,
                     *boost::unit_test::precondition([](auto) { return is_root(); })) {
  for (bool tmpfs : {false, true}) {
    scratch s;
    const fs::path root = s.dir / "root";
    fs::create_directories(root);
    in_mount_namespace([&](child_checks& check) {
      const pid_t holder = spawn(child_program(), {"hold", root.string(), (s.dir / "out").string(), (s.dir / "ready").string()});
      if (!wait_for_file(s.dir / "ready", 60)) return 91;
      const fs::path dir = read_lines(s.dir / "ready").at(1);
      precious_mount m(s.dir, dir, tmpfs);
      check(m.ok, "mount");
      ::kill(holder, SIGKILL);
      wait_for(holder);
      for (int round = 0; round < 2; ++round) {  // and again at the next sweep: still untouched
        tfm::sweep_report rep = tfm::sweep(fs::canonical(root));
        check(m.intact(), "the mounted data was removed");
        check(rep.failed.size() == 1u && rep.failed[0].path == dir, "the entry is reported");
        check(!rep.failed.empty() && rep.failed[0].reason.find("a mount point, left untouched, at " + m.at.string()) == 0,
              "the reason names the mount point: " + (rep.failed.empty() ? std::string() : rep.failed[0].reason));
        check(rep.removed.size() == (round == 0 ? 2u : 0u), "the file and the outside file are removed, once");
      }
      m.unmount();
      tfm::sweep_report rep = tfm::sweep(fs::canonical(root));
      check(rep.removed.size() == 1u && !exists_nofollow(dir), "swept once unmounted");
      if (!tmpfs) check(read_file(m.src / "data") == "precious", "the bind mount's source is intact");
      return 0;
    });
  }
}

BOOST_AUTO_TEST_CASE(cleanup_all_and_destructors_never_descend_into_a_mount,
                     *boost::unit_test::precondition([](auto) { return is_root(); })) {
  scratch s;
  in_mount_namespace([&](child_checks& check) {
    tfm::temp_file_manager mgr("m_", s.dir / "root");
    tfm::temp_dir d = mgr.create_temp_dir();
    precious_mount m(s.dir, d.path(), false);
    check(m.ok, "mount");
    try {
      mgr.cleanup_all();
      check(false, "cleanup_all must report the mount point");
    } catch (const tfm::cleanup_error& e) {
      check(e.failures().size() == 1u && e.failures()[0].path == d.path(), "the failure names the temp dir");
      check(e.failures()[0].code.value() == EBUSY, "EBUSY");
    }
    check(m.intact(), "cleanup_all emptied the mount");
    check(mgr.tracked_count() == 1u, "the entry stays tracked");
    fs::path d2path;
    {
      tfm::temp_dir d2 = mgr.create_temp_dir();
      d2path = d2.path();
      precious_mount m2(s.dir, d2.path(), true);
      check(m2.ok, "mount 2");
    }  // the destructor fails quietly, and leaves the mount alone
    check(read_file(d2path / "mnt" / "data") == "precious", "the destructor emptied the tmpfs");
    ::umount2((d2path / "mnt").c_str(), MNT_DETACH);
    m.unmount();
    mgr.cleanup_all();  // both were still tracked: removed now
    check(!exists_nofollow(d.path()) && !exists_nofollow(d2path), "removed once unmounted");
    check(read_file(s.dir / "precious" / "data") == "precious", "the bind mount's source is intact");
    return 0;
  });
}

BOOST_AUTO_TEST_CASE(exit_and_signal_cleanup_never_descend_into_a_mount,
                     *boost::unit_test::precondition([](auto) { return is_root(); })) {
  for (const char* how : {"exit", "signal"}) {
    scratch s;
    in_mount_namespace([&](child_checks& check) {
      const fs::path dir_file = s.dir / "dir";
      child_result r = run_forked([&] {
        tfm::temp_file_manager& mgr = tfm::get_temp_manager();
        tfm::temp_file_manager local("x_", s.dir / "root");
        static tfm::temp_dir d = local.create_temp_dir();  // still alive at exit
        precious_mount m(s.dir, d.path(), false);
        if (!m.ok) return 3;
        write_file(dir_file, d.path().string());
        (void)mgr;
        if (std::string(how) == "signal") {
          tfm::install_signal_cleanup();
          ::raise(SIGTERM);
          return 4;  // not reached: SIGTERM ends the process after the cleanup
        }
        std::exit(0);
      });
      const fs::path dir = read_file(dir_file);
      check(std::string(how) == "exit" ? r.exited_with(0) : (WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGTERM),
            std::string(how) + ": status " + std::to_string(r.status) + " " + r.out);
      check(exists_nofollow(dir / "mnt" / "data") && read_file(dir / "mnt" / "data") == "precious",
            std::string(how) + " emptied the mount");
      ::umount2((dir / "mnt").c_str(), MNT_DETACH);
      return 0;
    });
  }
}
