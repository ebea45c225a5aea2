// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// worker: one stage of a media pipeline, run as many processes sharing one temp root
// ($BOOST_TEMPFM_ROOT). Used by example/multiprocess_demo.sh.
//
//   worker NAME SECONDS   make a video file, a dir of frames and a registered output, work for
//                         SECONDS, then exit (everything is removed at exit, and logged)
#include <boost_tempfm/tempfm.hpp>

#include <boost/log/expressions.hpp>
#include <boost/log/utility/setup/console.hpp>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

namespace fs = boost::filesystem;
namespace tfm = boost_tempfm;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: worker NAME SECONDS\n";
    return 2;
  }
  const std::string name = argv[1];
  const int seconds = std::atoi(argv[2]);
  namespace expr = boost::log::expressions;
  boost::log::add_console_log(std::clog, boost::log::keywords::format =
                                             (expr::stream << "  [" << name << "] " << expr::smessage));
  tfm::temp_file_manager& m = tfm::get_temp_manager();
  tfm::temp_file video = m.create_temp_file(".mkv", name + "_video_");
  std::ofstream(video.path().string(), std::ios::binary) << std::string(1 << 20, 'v');
  tfm::temp_dir frames = m.create_temp_dir(name + "_frames_");
  for (int i = 1; i <= 5; ++i)
    std::ofstream((frames.path() / ("frame" + std::to_string(i) + ".png")).string()) << std::string(4096, 'p');
  const fs::path output = m.create_temp_file(".mp4", name + "_out_", false).path();
  std::ofstream(output.string(), std::ios::binary) << std::string(64 << 10, 'o');
  m.register_file(output);
  std::cout << "  [" << name << "] pid " << ::getpid() << ": 3 entries, working for " << seconds << " s"
            << std::endl;
  ::sleep(static_cast<unsigned>(seconds));
  return 0;  // the exit hook removes all three
}
