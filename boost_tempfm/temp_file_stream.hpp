// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_TEMP_FILE_STREAM_HPP
#define BOOST_TEMPFM_TEMP_FILE_STREAM_HPP

// A std::iostream over the open descriptor of a temp handle (temp_file, atomic_file, unnamed_file):
// boost::iostreams::stream<boost::iostreams::file_descriptor>. Header-only here; using it needs
// Boost.Iostreams' compiled file_descriptor: link Boost::iostreams (CMake
// `find_package(Boost 1.81 CONFIG REQUIRED COMPONENTS iostreams)`, b2 `lib boost_iostreams`).
// The rest of boost_tempfm does not depend on Boost.Iostreams.

#include <boost_tempfm/config.hpp>

#include <boost/filesystem/exception.hpp>
#include <boost/iostreams/device/file_descriptor.hpp>
#include <boost/iostreams/stream.hpp>
#include <boost/system/error_code.hpp>

#include <cerrno>
#include <type_traits>

namespace boost_tempfm {

// Reads and writes go to the file at the descriptor's offset (shared with the handle). The handle
// keeps its descriptor: closing or destroying the stream never closes it, and the handle must
// outlive the stream. The stream buffers: flush it (or destroy it) before commit(), persist() or
// link_to(). Throws filesystem_error (EBADF, naming the path) when the handle holds no descriptor
// (a temp_file made without keep_open).
class temp_file_stream : public boost::iostreams::stream<boost::iostreams::file_descriptor> {
  using base = boost::iostreams::stream<boost::iostreams::file_descriptor>;

 public:
  template <class Handle>
  explicit temp_file_stream(const Handle& h) : base(device(h.native_handle(), h.path())) {}

 private:
  // The category of errno values, as the library's own errors: system_category on POSIX, where it
  // holds them; generic_category on Windows, where system_category means Win32 codes (9 there is
  // ERROR_INVALID_BLOCK, not EBADF). A HANDLE is a pointer: the one platform switch (config.hpp).
  static const boost::system::error_category& errno_category() noexcept {
    return std::is_pointer<native_handle_type>::value ? boost::system::generic_category()
                                                      : boost::system::system_category();
  }

  static boost::iostreams::file_descriptor device(native_handle_type fd, const boost::filesystem::path& p) {
    if (fd == no_native_handle)
      throw boost::filesystem::filesystem_error(
          "boost_tempfm: no open descriptor to stream over (create the file with keep_open)", p,
          boost::system::error_code(EBADF, errno_category()));
    return boost::iostreams::file_descriptor(fd, boost::iostreams::never_close_handle);
  }
};

}  // namespace boost_tempfm

#endif  // BOOST_TEMPFM_TEMP_FILE_STREAM_HPP
