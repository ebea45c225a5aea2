// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_TEMP_FILE_HPP
#define BOOST_TEMPFM_TEMP_FILE_HPP

#include <boost_tempfm/detail/tracked_path.hpp>

namespace boost_tempfm {

// Move-only handle to a temporary file, created exclusively with mode 0600.
//   path()    the absolute path (empty once released or removed)
//   release() stop managing it; it stays on disk; returns the path
//   remove()  remove it now, reporting failure (throwing and error_code overloads)
//   ~temp_file() removes it, also during exception unwinding (logged as such); never throws
class temp_file : public detail::tracked_path {
 public:
  using detail::tracked_path::tracked_path;
  temp_file() noexcept = default;
};

}  // namespace boost_tempfm

#endif  // BOOST_TEMPFM_TEMP_FILE_HPP
