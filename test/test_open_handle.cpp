// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// The open file: with keep_open a temp_file carries the descriptor of its exclusive create
// (O_RDWR|O_CLOEXEC, never reopened; on Windows the HANDLE of CreateFileW(CREATE_NEW), read and
// write, not inheritable) besides its path, and a Boost.Iostreams stream over it; without, no
// descriptor is held. Closing, moving and destroying handles closes exactly theirs.
#define BOOST_TEST_MODULE test_open_handle
#include "support_native.hpp"

#include <boost_tempfm/temp_file_manager.hpp>
#include <boost_tempfm/temp_file_stream.hpp>

using namespace tempfm_test;
namespace tfm = boost_tempfm;

BOOST_AUTO_TEST_CASE(keep_open_hands_over_the_descriptor_of_the_exclusive_create) {
  scratch s;
  tfm::temp_file_manager m("o_", s.dir);
  tfm::temp_file f = m.create_temp_file(tfm::create_options().suffix(".bin").keep_open());
  BOOST_TEST(f.is_open());
  const native fd = f.native_handle();
  BOOST_REQUIRE(valid_handle(fd));
  BOOST_TEST(same_file(fd, f.path()));  // the file at the path, not a reopened one
  BOOST_TEST(!inheritable(fd));
  BOOST_TEST(opened_read_write(fd));
  BOOST_TEST(write_native(fd, "abc", 3) == 3);
  BOOST_TEST(read_file(f.path()) == "abc");  // the path is still there: both, not one or the other
  BOOST_TEST(f.owns());
  const fs::path p = f.path();
  f.remove();
  BOOST_TEST(!f.owns());
  BOOST_TEST(f.is_open());  // removing the file leaves the handle's descriptor open
  f.close();
  BOOST_TEST(!exists_nofollow(p));
}

BOOST_AUTO_TEST_CASE(remove_takes_the_name_while_the_descriptor_is_open,
                     *boost::unit_test::precondition(skip_on_wine{
                         "wine 8 has no FILE_DISPOSITION_FLAG_POSIX_SEMANTICS: a file removed while open keeps its "
                         "name until its last handle closes (Windows 10 1709+ on NTFS removes the name at once)"})) {
  scratch s;
  tfm::temp_file_manager m("o_", s.dir);
  tfm::temp_file f = m.create_temp_file(tfm::create_options().keep_open());
  const fs::path p = f.path();
  f.remove();
  BOOST_TEST(!exists_nofollow(p));
  BOOST_TEST(write_native(f.native_handle(), "x", 1) == 1);  // the file itself lives on
}

BOOST_AUTO_TEST_CASE(without_keep_open_no_descriptor_is_held) {
  // A program making many files must not hold a descriptor per file.
  scratch s;
  tfm::temp_file_manager m("o_", s.dir);
  const int before = open_handle_count();
  std::vector<tfm::temp_file> files;
  for (int i = 0; i < 200; ++i) files.push_back(m.create_temp_file());
  BOOST_TEST(open_handle_count() == before);
  for (const tfm::temp_file& f : files) BOOST_TEST(f.native_handle() == tfm::no_native_handle);
  std::vector<tfm::temp_file> open;
  for (int i = 0; i < 50; ++i) open.push_back(m.create_temp_file(tfm::create_options().keep_open()));
  BOOST_TEST(open_handle_count() == before + 50);
  open.clear();
  BOOST_TEST(open_handle_count() == before);
}

BOOST_AUTO_TEST_CASE(close_move_and_destroy_close_exactly_their_descriptor) {
  scratch s;
  tfm::temp_file_manager m("o_", s.dir);
  const int before = open_handle_count();
  tfm::temp_file a = m.create_temp_file(tfm::create_options().keep_open());
  const native fa = a.native_handle();
  tfm::temp_file b(std::move(a));
  BOOST_TEST(a.native_handle() == tfm::no_native_handle);
  BOOST_TEST(b.native_handle() == fa);
  tfm::temp_file c = m.create_temp_file(tfm::create_options().keep_open());
  BOOST_TEST(open_handle_count() == before + 2);
  c = std::move(b);  // c's old descriptor is closed (and its file removed)
  BOOST_TEST(open_handle_count() == before + 1);
  BOOST_TEST(c.native_handle() == fa);
  const fs::path p = c.path();
  c.close();
  BOOST_TEST(!c.is_open());
  BOOST_TEST(open_handle_count() == before);
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
    BOOST_TEST(valid_handle(f.native_handle()));
    BOOST_TEST(write_native(f.native_handle(), "kept", 4) == 4);
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
  BOOST_TEST(write_native(f.native_handle(), "x", 1) == 1);
  f.close();
  BOOST_TEST(listing(s.dir).empty());  // and once it is closed nothing is left (Windows: the name too)
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
  BOOST_TEST(handle_open(f.native_handle()));
  tfm::temp_file closed = m.create_temp_file();
  try {
    tfm::temp_file_stream bad(closed);
    BOOST_FAIL("a stream needs a descriptor");
  } catch (const fs::filesystem_error& e) {
    BOOST_TEST((e.code() == boost::system::errc::bad_file_descriptor), e.what());
    BOOST_TEST(e.path1() == closed.path());
  }
}
