// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// A downstream program: builds against the installed package or the added subdirectory.
#include <boost_tempfm/tempfm.hpp>

#include <boost/filesystem/operations.hpp>

#include <iostream>

int main() {
  boost::filesystem::path p;
  {
    boost_tempfm::temp_file f = boost_tempfm::get_temp_manager().create_temp_file(".smoke");
    p = f.path();
    if (!boost::filesystem::exists(p)) return 1;
  }
  if (boost::filesystem::exists(p)) return 2;
  std::cout << "smoke: boost_tempfm " << BOOST_TEMPFM_VERSION << " ok\n";
  return 0;
}
