// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Many threads creating, registering, releasing and cleaning up through one manager at once.
// Also built and run under ThreadSanitizer by .ci/run.
#define BOOST_TEST_MODULE test_threads
#include "support.hpp"

#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/temp_file_manager.hpp>

#include <atomic>
#include <mutex>
#include <thread>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

BOOST_AUTO_TEST_CASE(concurrent_create_and_scope_removal_leave_nothing) {
  scratch s;
  tfm::temp_file_manager m("mt_", s.dir / "root");
  constexpr int threads = 8, per_thread = 300;
  std::atomic<int> created{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        if ((i + t) % 3 == 0) {
          tfm::temp_dir d = m.create_temp_dir();
          write_file(d.path() / "f", "x");
        } else {
          tfm::temp_file f = m.create_temp_file(".t");
          write_file(f.path(), "y");
        }
        ++created;
      }
    });
  for (std::thread& t : ts) t.join();
  BOOST_TEST(created == threads * per_thread);
  BOOST_TEST(m.tracked_count() == 0u);
  BOOST_TEST(listing(m.root()).empty());
}

BOOST_AUTO_TEST_CASE(cleanup_all_racing_with_handles_removes_each_path_once) {
  // Threads hold handles while others call cleanup_all: every path ends up removed, nothing is
  // reported as failed, and no handle removes a path twice (a reused name would be destroyed).
  scratch s;
  tfm::temp_file_manager m("race_", s.dir / "root");
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 6; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 400; ++i) {
        tfm::temp_file f = m.create_temp_file();
        tfm::temp_dir d = m.create_temp_dir();
        const fs::path fp = f.path();  // empty once cleanup_all removed it
        if (i % 5 == 0 && !fp.empty()) {  // already tracked (no effect), or just removed by cleanup_all
          boost::system::error_code ec;
          m.register_file(fp, ec);
          if (ec && ec.value() != ENOENT) ++errors;
        }
        if (i % 7 == 0) {
          boost::system::error_code ec;
          d.remove(ec);
          if (ec) ++errors;
        }
      }
    });
  std::thread cleaner([&] {
    while (!stop) {
      boost::system::error_code ec;
      m.cleanup_all(ec);
      if (ec) ++errors;
    }
  });
  for (std::thread& t : ts) t.join();
  stop = true;
  cleaner.join();
  BOOST_TEST(errors == 0);
  BOOST_TEST(m.tracked_count() == 0u);
  BOOST_TEST(listing(m.root()).empty());
}

BOOST_AUTO_TEST_CASE(release_and_register_from_many_threads) {
  scratch s;
  tfm::temp_file_manager m("rel_", s.dir / "root");
  std::mutex mu;
  std::vector<fs::path> released;
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        fs::path p = m.create_temp_file().release();
        m.register_file(p);
        std::lock_guard<std::mutex> g(mu);
        released.push_back(p);
      }
    });
  for (std::thread& t : ts) t.join();
  BOOST_TEST(m.tracked_count() == 800u);
  BOOST_TEST(released.size() == 800u);
  m.cleanup_all();
  BOOST_TEST(m.tracked_count() == 0u);
  BOOST_TEST(listing(m.root()).empty());
}

BOOST_AUTO_TEST_CASE(global_manager_first_use_from_many_threads) {
  scratch s;
  set_env("BOOST_TEMPFM_ROOT", (s.dir / "global").string());
  std::vector<tfm::temp_file_manager*> seen(8, nullptr);
  std::vector<std::thread> ts;
  for (std::size_t t = 0; t < seen.size(); ++t)
    ts.emplace_back([&, t] {
      seen[t] = &tfm::get_temp_manager();
      tfm::temp_file f = seen[t]->create_temp_file();
    });
  for (std::thread& t : ts) t.join();
  for (tfm::temp_file_manager* p : seen) BOOST_TEST(p == seen[0]);
  BOOST_TEST(seen[0]->root() == fs::canonical(s.dir / "global"));
  BOOST_TEST(listing(s.dir / "global").empty());
}

BOOST_AUTO_TEST_CASE(listing_and_sweeping_while_threads_fill_and_empty_blocks) {
  // Entries of this process change while other threads of it list and sweep the registry: blocks
  // are claimed and given back (batches of 150 entries cross block boundaries), the readers see
  // only whole entries of ours, and the sweeps never touch them.
  scratch s;
  tfm::temp_file_manager m("ls_", s.dir / "root");
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 3; ++t)
    writers.emplace_back([&] {
      for (int round = 0; round < 30; ++round) {
        std::vector<tfm::temp_file> batch;
        for (int i = 0; i < 150; ++i) batch.push_back(m.create_temp_file(".b"));
      }
    });
  std::thread reader([&] {
    const std::string prefix = (m.root() / "ls_").string();
    while (!stop) {
      for (const tfm::registry_entry& e : tfm::list_entries(m.root()))
        if (e.path.string().rfind(prefix, 0) != 0 || !e.owner_alive || e.owner != tfm::current_process()) ++bad;
      tfm::sweep_options all;
      all.all = true;
      if (!tfm::sweep(m.root(), all).removed.empty()) ++bad;  // our own entries: never swept
    }
  });
  for (std::thread& t : writers) t.join();
  stop = true;
  reader.join();
  BOOST_TEST(bad == 0);
  BOOST_TEST(tfm::list_entries(m.root()).empty());
  BOOST_TEST(listing(m.root()).empty());
}
