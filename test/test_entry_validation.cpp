// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Entries are trusted no further than they can be checked: a relative entry is one plain name, an
// absolute one is never /, the root, an ancestor of it or the registry; a registered path is
// removed only if the object there is still the one registered (a file re-created at that path
// after its owner died is kept, and the entry forgotten with a log record).
#define BOOST_TEST_MODULE test_entry_validation
#include "support.hpp"

#include <boost_tempfm/log.hpp>
#include <boost_tempfm/registry.hpp>

#include <boost/log/core.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/utility/setup/console.hpp>
#include <boost/make_shared.hpp>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

namespace {

// Boost.Log records of the test process, as text.
struct captured_log {
  boost::shared_ptr<std::ostringstream> text = boost::make_shared<std::ostringstream>();
  boost::shared_ptr<boost::log::sinks::synchronous_sink<boost::log::sinks::text_ostream_backend>> sink;
  captured_log() { sink = boost::log::add_console_log(*text, boost::log::keywords::format = (boost::log::expressions::stream << boost::log::expressions::smessage)); }
  ~captured_log() { boost::log::core::get()->remove_sink(sink); }
  std::string str() {
    sink->flush();
    return text->str();
  }
};

pid_t dead_owner_of(const fs::path& root, const fs::path& ready, std::vector<std::string> what) {
  std::vector<std::string> args{"craft", root.string(), ready.string()};
  args.insert(args.end(), what.begin(), what.end());
  const pid_t pid = spawn(program("tempfm_test_lock"), args);
  BOOST_REQUIRE(wait_for_file(ready, 60));
  kill_hard(pid);
  wait_for(pid);
  return pid;
}

}  // namespace

BOOST_AUTO_TEST_CASE(crafted_entries_are_never_acted_on) {
  scratch s;
  const fs::path root = s.dir / "work" / "root";
  fs::create_directories(root / "a");
  write_file(root / "a" / "b", "inside");
  write_file(root / "keep", "inside");
  write_file(s.dir / "work" / "beside", "beside");
  const fs::path canon = fs::canonical(root);
  const fs::path regdir = tfm::registry_dir(canon);
  fs::create_directories(s.dir / "y");
  write_file(s.dir / "y" / "z", "elsewhere");
  std::vector<std::string> crafted = {
      "rel:..", "rel:.", "rel:a/b", "rel:",  // relative: one plain name only
      "abs:/", "abs:" + canon.string(), "abs:" + canon.parent_path().string(), "abs:" + s.dir.string(),
      "abs:" + canon.string() + "/../y", "abs:" + s.dir.string() + "//y", "abs:" + regdir.string(),
      "abs:" + (regdir / "locks").string(), "abs:relative/path", "rel:" + regdir.filename().string(),
      "rel:.tempfm-65534"};
  if (on_windows) {
    // The library records "/C:/..." with '/' alone; '\\' and ':' separate names there too (a
    // directory, a drive, a stream: "keep::$DATA" is the file keep itself).
    const std::string stored_root = "/" + canon.generic_string();
    crafted.insert(crafted.end(), {"rel:a\\b", "rel:..\\beside", "rel:keep::$DATA", "rel:C:keep",
                                   "abs:" + stored_root + "\\..\\..\\y\\z", "abs:" + stored_root + "/keep::$DATA",
                                   "abs:" + stored_root + "/a\\b"});
  }
  dead_owner_of(root, s.dir / "ready", crafted);
  captured_log log;
  tfm::sweep_report rep = tfm::sweep(canon);
  BOOST_TEST(rep.removed.empty());
  BOOST_TEST(rep.failed.empty());
  BOOST_TEST(rep.forgotten.size() == crafted.size() - 1);  // "rel:" cannot even be recorded
  for (const tfm::registry_entry& e : rep.forgotten) BOOST_TEST(!e.reason.empty(), e.path);
  BOOST_TEST(read_file(root / "a" / "b") == "inside");
  BOOST_TEST(read_file(root / "keep") == "inside");
  BOOST_TEST(read_file(s.dir / "work" / "beside") == "beside");
  BOOST_TEST(read_file(s.dir / "y" / "z") == "elsewhere");
  BOOST_TEST(fs::exists(regdir / "locks"));
  BOOST_TEST(fs::exists(regdir / "registry.v2"));
  BOOST_TEST(log.str().find("ignoring a registry entry") != std::string::npos, log.str());
  BOOST_TEST(log.str().find("a relative path \"..\"") != std::string::npos, log.str());
  BOOST_TEST(log.str().find("a directory that contains the temp root") != std::string::npos, log.str());
  // Dropped for good; never listed.
  BOOST_TEST(tfm::sweep(canon).forgotten.empty());
  BOOST_TEST(tfm::list_entries(canon).empty());
}

BOOST_AUTO_TEST_CASE(a_registered_path_re_created_after_its_owner_died_is_kept) {
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  const fs::path report = s.dir / "report.pdf";
  const pid_t holder =
      spawn(child_program(), {"hold", root.string(), report.string(), (s.dir / "ready").string()});
  BOOST_REQUIRE(wait_for_file(s.dir / "ready", 60));
  const std::vector<std::string> paths = read_lines(s.dir / "ready");
  kill_hard(holder);
  wait_for(holder);
  // The user regenerates the report after the crash: a new file at the registered path.
  fs::remove(report);
  write_file(report, "the new report");
  captured_log log;
  tfm::sweep_report rep = tfm::sweep(fs::canonical(root));
  BOOST_TEST(read_file(report) == "the new report");
  BOOST_TEST(rep.removed.size() == 2u);  // the temp file and dir it created
  BOOST_REQUIRE(rep.forgotten.size() == 1u);
  BOOST_TEST(rep.forgotten[0].path == report);
  BOOST_TEST(rep.forgotten[0].reason.find("not the one registered") != std::string::npos, rep.forgotten[0].reason);
  BOOST_TEST(log.str().find("not removing " + report.string()) != std::string::npos, log.str());
  BOOST_TEST(tfm::list_entries(fs::canonical(root)).empty());  // forgotten
  BOOST_TEST(read_file(report) == "the new report");
}

BOOST_AUTO_TEST_CASE(a_registered_path_left_as_it_was_is_removed,
                     *boost::unit_test::precondition(linux_backend_only{no_birth_time}) *
                         boost::unit_test::precondition(skip_on_wine{
                             "wine 8 gives a file's last change time as its creation time (checked: "
                             "GetFileInformationByHandle's ftCreationTime follows every write), so a registered file "
                             "written after registration is taken for another one and left in place"})) {
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  const fs::path report = s.dir / "report.pdf";
  const pid_t holder = spawn(child_program(), {"hold", root.string(), report.string(), (s.dir / "ready").string()});
  BOOST_REQUIRE(wait_for_file(s.dir / "ready", 60));
  write_file(report, "rewritten in place: the same file");  // same inode: still the registered object
  kill_hard(holder);
  wait_for(holder);
  tfm::sweep_report rep = tfm::sweep(fs::canonical(root));
  BOOST_TEST(rep.removed.size() == 3u);
  BOOST_TEST(rep.forgotten.empty());
  BOOST_TEST(!exists_nofollow(report));
}

BOOST_AUTO_TEST_CASE(a_swept_entry_of_an_owner_that_died_is_freed_with_its_block) {
  // sweep --all removes a live owner's file and marks its entry; if the owner then dies before
  // freeing it, the next sweep frees the entry and the block (nothing is left claimed for ever).
  scratch s;
  const fs::path root = s.dir / "root";
  fs::create_directories(root);
  const pid_t holder = spawn(child_program(), {"hold", root.string(), (s.dir / "out").string(), (s.dir / "ready").string()});
  BOOST_REQUIRE(wait_for_file(s.dir / "ready", 60));
  const fs::path canon = fs::canonical(root);
  tfm::sweep_options all;
  all.all = true;
  BOOST_TEST(tfm::sweep(canon, all).removed.size() == 3u);
  kill_hard(holder);
  wait_for(holder);
  (void)tfm::sweep(canon);
  exec_result r = run_program(program("tempfm_test_lock"), {"blocks", root.string()});
  BOOST_TEST(r.out == "0\n");
}
