// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// pipeline_demo: the spec's usage section as one run of a small media pipeline. A Boost.Log
// console sink shows each cleanup as it happens.
#include <boost_tempfm/tempfm.hpp>

#include <boost/filesystem/operations.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/trivial.hpp>
#include <boost/log/utility/setup/console.hpp>

#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>

namespace fs = boost::filesystem;
namespace tfm = boost_tempfm;

namespace {

void step(const std::string& title) { std::cout << "\n== " << title << "\n"; }

void write(const fs::path& p, const std::string& content) { std::ofstream(p.string(), std::ios::binary) << content; }

// A job that fails halfway: its temp files must still go.
void transcode(tfm::temp_file_manager& m, const std::string& job_id) {
  tfm::temp_file video = m.create_temp_file(".mkv", job_id + "_video_");
  tfm::temp_dir frames = m.create_temp_dir(job_id + "_frames_");
  write(video.path(), "video content");
  write(frames.path() / "frame0001.png", "png");
  std::cout << "   working in " << video.path() << " and " << frames.path() << "\n";
  throw std::runtime_error("encoder crashed on frame 2");
}

}  // namespace

int main() {
  namespace expr = boost::log::expressions;
  // Without this sink boost_tempfm prints nothing at all.
  boost::log::add_console_log(std::cout, boost::log::keywords::format =
                                             (expr::stream << "   [" << boost::log::trivial::severity << "] "
                                                           << expr::smessage));
  try {
    tfm::temp_file_manager& manager = tfm::get_temp_manager();
    std::cout << "temp root: " << manager.root() << " (override with BOOST_TEMPFM_ROOT)\n";

    step("1. a temp file, removed at the end of its scope");
    {
      tfm::temp_file temp_path = manager.create_temp_file(".mkv");
      write(temp_path.path(), "video content");
      std::cout << "   wrote " << fs::file_size(temp_path.path()) << " bytes to " << temp_path.path() << "\n";
    }

    step("2. custom prefix and suffix");
    {
      tfm::temp_file subtitle = manager.create_temp_file(".srt", std::string("subtitle_"));
      write(subtitle.path(), "1\n00:00:01,000 --> 00:00:02,000\nHello\n");
      std::cout << "   " << subtitle.path().filename() << "\n";
    }

    step("3. a kept output (delete=False), registered for cleanup later");
    fs::path output_path;
    {
      tfm::temp_file out = manager.create_temp_file(".mkv", std::nullopt, /*remove=*/false);
      write(out.path(), "final video");
      output_path = out.path();
    }
    std::cout << "   still there after its scope: " << std::boolalpha << fs::exists(output_path) << "\n";
    manager.register_file(output_path);

    step("4. a temp dir of frames, removed with everything in it");
    {
      tfm::temp_dir frames = manager.create_temp_dir(std::string("frames_"));
      for (int i = 1; i <= 3; ++i) write(frames.path() / ("frame" + std::to_string(i) + ".png"), "png data");
      std::cout << "   3 frames in " << frames.path() << "\n";
    }

    step("5. an exception midway: the failed job's files are removed while unwinding");
    try {
      transcode(manager, "job42");
    } catch (const std::exception& e) {
      std::cout << "   caught: " << e.what() << "\n";
    }

    step("6. an outside file registered for cleanup");
    const fs::path external = manager.root() / "external_report.txt";
    write(external, "made by another tool");
    manager.register_file(external);
    std::cout << "   tracked now: " << manager.tracked_count() << " paths\n";

    step("7. cleanup_all() removes everything still tracked");
    manager.cleanup_all();
    std::cout << "   tracked now: " << manager.tracked_count() << "; output exists: " << fs::exists(output_path)
              << "\n";

    step("8. what is left at exit is removed by the exit hook");
    const fs::path leftover = manager.create_temp_file(".tmp", std::string("leftover_"), false).path();
    manager.register_file(leftover);
    std::cout << "   leaving " << leftover.filename() << " for exit\n";
  } catch (const std::exception& e) {
    std::cerr << "pipeline_demo: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
