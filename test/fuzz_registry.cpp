// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// libFuzzer target: arbitrary bytes as a root's registry file. Opening, listing, adding and
// removing must never crash nor read out of bounds (built with ASan+UBSan by ./build.sh test);
// a broken file is rebuilt or refused with an exception.
//   TEMPFM_FUZZ_SEED=FILE fuzz_registry -runs=0   also writes a valid registry to FILE (a seed)
#include "libs/detail/registry_impl.hpp"

#include <boost/filesystem/operations.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>

namespace fs = boost::filesystem;
namespace d = boost_tempfm::detail;

namespace {

fs::path root;
fs::path file;

void write_all(const fs::path& p, const std::uint8_t* data, std::size_t size) {
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) std::abort();
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(fd, data + done, size - done);
    if (n <= 0) std::abort();
    done += std::size_t(n);
  }
  ::close(fd);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  root = fs::temp_directory_path() / fs::unique_path("tempfm-fuzz-%%%%%%%%");
  fs::create_directories(root);
  fs::permissions(root, fs::perms::owner_all);
  root = fs::canonical(root);
  std::atexit([] {
    boost::system::error_code ec;
    fs::remove_all(root, ec);
  });
  {
    auto reg = d::registry::open(root);  // creates the private directory and a valid file
    if (const char* seed = std::getenv("TEMPFM_FUZZ_SEED")) {
      for (int i = 0; i < 5; ++i) reg->add((root / ("f" + std::to_string(i))).string(), boost_tempfm::entry_type::file);
      reg->add((root / std::string(300, 'l')).string(), boost_tempfm::entry_type::directory);
      reg->add("/elsewhere/abs", boost_tempfm::entry_type::file);
      fs::copy_file(d::registry_dir_of(root) / "registry", seed, fs::copy_options::overwrite_existing);
    }
  }
  file = d::registry_dir_of(root) / "registry";
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  write_all(file, data, size);
  try {
    auto reg = d::registry::open(root);
    std::vector<d::raw_entry> es = reg->entries();
    d::registry_ref ref = reg->add((root / "fuzz-added").string(), boost_tempfm::entry_type::file);
    reg->remove(ref);
    std::vector<d::registry_ref> refs;
    for (const d::raw_entry& e : es) refs.push_back(d::registry_ref{e.slot, e.checksum});
    reg->remove_all(refs);
    (void)reg->entries();
  } catch (const fs::filesystem_error&) {
    // refused clearly: fine
  }
  return 0;
}
