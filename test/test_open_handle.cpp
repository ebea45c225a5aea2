// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// The open file: with keep_open a temp_file carries the descriptor of its exclusive create
// (O_RDWR|O_CLOEXEC, never reopened) besides its path, and a Boost.Iostreams stream over it;
// without, no descriptor is held. Closing, moving and destroying handles closes exactly theirs.
#define BOOST_TEST_MODULE test_open_handle
#include "support.hpp"

#include <boost_tempfm/temp_file_manager.hpp>
#include <boost_tempfm/temp_file_stream.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

namespace {

int open_descriptors() {
  int n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  BOOST_REQUIRE(d != nullptr);
  while (struct dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n - 1;  // the directory stream's own
}

bool same_file(int fd, const fs::path& p) {
  struct stat a, b;
  return ::fstat(fd, &a) == 0 && ::lstat(p.c_str(), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

}  // namespace

BOOST_AUTO_TEST_CASE(keep_open_hands_over_the_descriptor_of_the_exclusive_create) {
  scratch s;
  tfm::temp_file_manager m("o_", s.dir);
  tfm::temp_file f = m.create_temp_file(tfm::create_options().suffix(".bin").keep_open());
  BOOST_TEST(f.is_open());
  const int fd = f.native_handle();
  BOOST_REQUIRE(fd >= 0);
  BOOST_TEST(same_file(fd, f.path()));  // the file at the path, not a reopened one
  BOOST_TEST((::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
  BOOST_TEST((::fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
  BOOST_TEST(::write(fd, "abc", 3) == 3);
  BOOST_TEST(read_file(f.path()) == "abc");  // the path is still there: both, not one or the other
  BOOST_TEST(f.owns());
  const fs::path p = f.path();
  f.remove();
  BOOST_TEST(!exists_nofollow(p));
}

BOOST_AUTO_TEST_CASE(without_keep_open_no_descriptor_is_held) {
  // A program making many files must not hold a descriptor per file.
  scratch s;
  tfm::temp_file_manager m("o_", s.dir);
  const int before = open_descriptors();
  std::vector<tfm::temp_file> files;
  for (int i = 0; i < 200; ++i) files.push_back(m.create_temp_file());
  BOOST_TEST(open_descriptors() == before);
  for (const tfm::temp_file& f : files) BOOST_TEST(f.native_handle() == -1);
  std::vector<tfm::temp_file> open;
  for (int i = 0; i < 50; ++i) open.push_back(m.create_temp_file(tfm::create_options().keep_open()));
  BOOST_TEST(open_descriptors() == before + 50);
  open.clear();
  BOOST_TEST(open_descriptors() == before);
}

BOOST_AUTO_TEST_CASE(close_move_and_destroy_close_exactly_their_descriptor) {
  scratch s;
  tfm::temp_file_manager m("o_", s.dir);
  const int before = open_descriptors();
  tfm::temp_file a = m.create_temp_file(tfm::create_options().keep_open());
  const int fa = a.native_handle();
  tfm::temp_file b(std::move(a));
  BOOST_TEST(a.native_handle() == -1);
  BOOST_TEST(b.native_handle() == fa);
  tfm::temp_file c = m.create_temp_file(tfm::create_options().keep_open());
  BOOST_TEST(open_descriptors() == before + 2);
  c = std::move(b);  // c's old descriptor is closed (and its file removed)
  BOOST_TEST(open_descriptors() == before + 1);
  BOOST_TEST(c.native_handle() == fa);
  const fs::path p = c.path();
  c.close();
  BOOST_TEST(!c.is_open());
  BOOST_TEST(open_descriptors() == before);
  BOOST_TEST(fs::exists(p));  // closing keeps the file, still tracked
  BOOST_TEST(c.owns());
  BOOST_CHECK_NO_THROW(c.close());  // nothing left to close
  boost::system::error_code ec;
  c.close(ec);
  BOOST_TEST(!ec);
}

BOOST_AUTO_TEST_CASE(a_kept_file_keeps_its_descriptor_too) {
  scratch s;
  tfm::temp_file_manager m("o_", s.dir);
  fs::path p;
  {
    tfm::temp_file f = m.create_temp_file(tfm::create_options().keep().keep_open());
    BOOST_TEST(!f.owns());
    BOOST_TEST(f.native_handle() >= 0);
    BOOST_TEST(::write(f.native_handle(), "kept", 4) == 4);
    p = f.path();
  }
  BOOST_TEST(read_file(p) == "kept");
}

BOOST_AUTO_TEST_CASE(a_descriptor_survives_cleanup_all) {
  // cleanup_all removes the path; the open file stays usable until the handle closes it.
  scratch s;
  tfm::temp_file_manager m("o_", s.dir);
  tfm::temp_file f = m.create_temp_file(tfm::create_options().keep_open());
  m.cleanup_all();
  BOOST_TEST(!f.owns());
  BOOST_TEST(f.path().empty());
  BOOST_TEST(::write(f.native_handle(), "x", 1) == 1);
}

BOOST_AUTO_TEST_CASE(an_iostreams_stream_over_the_descriptor) {
  scratch s;
  tfm::temp_file_manager m("o_", s.dir);
  tfm::temp_file f = m.create_temp_file(tfm::create_options().suffix(".txt").keep_open());
  {
    tfm::temp_file_stream out(f);
    out << "frame " << 42 << "\n";
    out.flush();
    BOOST_TEST(read_file(f.path()) == "frame 42\n");
    out.seekg(0);
    std::string word;
    int n = 0;
    out >> word >> n;
    BOOST_TEST(word == "frame");
    BOOST_TEST(n == 42);
  }
  BOOST_TEST(f.is_open());  // the stream never closes the handle's descriptor
  BOOST_TEST(::fcntl(f.native_handle(), F_GETFD) >= 0);
  tfm::temp_file closed = m.create_temp_file();
  try {
    tfm::temp_file_stream bad(closed);
    BOOST_FAIL("a stream needs a descriptor");
  } catch (const fs::filesystem_error& e) {
    BOOST_TEST(e.code().value() == EBADF);
    BOOST_TEST(e.path1() == closed.path());
  }
}
