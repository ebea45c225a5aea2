// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// libFuzzer target: arbitrary bytes as a root's registry. First the format reader on plain memory
// (header, block owners, every entry slot, path validation, parked entries, the version-1 reader),
// then the same bytes as the registry file: opening, listing, adding, parking and reviving,
// removing and a dry-run sweep must never crash nor read out of bounds (built with ASan+UBSan by
// ./build.sh test); a broken file is repaired or refused with an exception. (Never a real sweep: fuzzed paths must not be removed.)
//   TEMPFM_FUZZ_SEED=FILE fuzz_registry -runs=0   also writes a valid registry to FILE (a seed)
#include "libs/detail/registry_impl.hpp"

#include <boost/filesystem/operations.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace fs = boost::filesystem;
namespace d = boost_tempfm::detail;
namespace f = boost_tempfm::detail::format;

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

void read_in_memory(const std::uint8_t* data, std::size_t size) {
  const std::size_t blocks = std::min<std::size_t>(size / f::block_bytes, 64);
  if (blocks >= 1) {
    std::vector<std::uint64_t> mem(blocks * f::block_bytes / 8);  // aligned like a mapping
    std::memcpy(mem.data(), data, blocks * f::block_bytes);
    const f::view v{reinterpret_cast<unsigned char*>(mem.data()), static_cast<std::uint32_t>(blocks)};
    (void)f::header_problem(v.head(), blocks);
    f::entry_data e;
    for (std::uint32_t b = 1; b < v.blocks; ++b) {
      f::block_owner o;
      (void)f::read_block_owner(v, b, o);
      for (std::uint32_t i = 1; i < f::block_slots; ++i)
        if (f::read_entry(v, b * f::block_slots + i, e) == f::read_result::ok)
          (void)f::path_problem(e, root.native(), d::registry_dir_of(root).native());
    }
    // Parked entries are read back from slots anything may have written into (revived only if
    // they still name the path): every slot as one.
    const std::string added = (root / "fuzz-added").string();
    std::uint32_t chain[f::max_chain];
    for (std::uint32_t b = 1; b < v.blocks; ++b)
      for (std::uint32_t i = 1; i < f::block_slots; ++i) {
        const std::uint32_t n = f::parked_chain(v, b * f::block_slots + i, chain);
        std::uint64_t kept = 0;
        for (std::uint32_t k = 0; k < n; ++k) kept |= std::uint64_t(1) << (chain[k] % f::block_slots);
        (void)f::revive_entry(v, b * f::block_slots + i, kept, 1, added, root.native());
      }
  }
  (void)f::read_v1(data, size, root.native());
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
      for (int i = 0; i < 5; ++i)
        reg->add((root / ("f" + std::to_string(i))).string(), boost_tempfm::entry_type::file, f::flag_created);
      reg->add((root / std::string(300, 'l')).string(), boost_tempfm::entry_type::directory, f::flag_created);
      reg->add("/elsewhere/abs", boost_tempfm::entry_type::file, f::flag_identity, f::identity{1, 2, 3, 4, 5});
      fs::copy_file(d::registry_dir_of(root) / "registry.v2", seed, fs::copy_options::overwrite_existing);
    }
  }
  file = d::registry_dir_of(root) / "registry.v2";
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  read_in_memory(data, size);
  write_all(file, data, size);
  try {
    auto reg = d::registry::open(root);
    std::vector<d::raw_entry> es = reg->entries();
    const std::string added = (root / "fuzz-added").string();
    d::registry_ref ref = reg->add(added, boost_tempfm::entry_type::file, f::flag_created);
    const d::parked_ref parked = reg->park(ref);
    if (reg->revive(parked, added) == 0) std::abort();  // its own slots: always revived
    reg->remove(ref);
    boost_tempfm::sweep_options dry;
    dry.dry_run = true;
    (void)boost_tempfm::sweep(root, dry);
    (void)reg->entries();
  } catch (const fs::filesystem_error&) {
    // refused clearly: fine
  }
  return 0;
}
