// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// Every code sample in doc/*.md is a compiled example: a ```cpp block must be preceded by
//   <!-- snippet: example/FILE.cpp#NAME -->
// and equal, line for line, the part of that file between "//[NAME" and "//]".
#define BOOST_TEST_MODULE test_doc_snippets
#include "support.hpp"

#include <regex>

using namespace tempfm_test;

namespace {

// The source tree: the build passes it after "--" (with the helper's path).
fs::path source_dir() {
  auto& mts = boost::unit_test::framework::master_test_suite();
  for (int i = 1; i < mts.argc; ++i) {
    const fs::path p(mts.argv[i]);
    if (fs::is_directory(p / "doc") && fs::is_directory(p / "example")) return p;
  }
  BOOST_FAIL("the source directory must be given after --");
  return {};
}

// Lines between "//[name" and "//]", with the common leading indentation removed.
std::string extract(const fs::path& file, const std::string& name) {
  const std::vector<std::string> lines = read_lines(file);
  std::vector<std::string> body;
  bool in = false;
  for (const std::string& l : lines) {
    const std::string t = l.substr(std::min(l.find_first_not_of(' '), l.size()));
    if (!in && t == "//[" + name) {
      in = true;
    } else if (in && t == "//]") {
      in = false;
      break;
    } else if (in) {
      body.push_back(l);
    }
  }
  std::size_t indent = std::string::npos;
  for (const std::string& l : body)
    if (l.find_first_not_of(' ') != std::string::npos) indent = std::min(indent, l.find_first_not_of(' '));
  std::string out;
  for (const std::string& l : body) out += (l.size() >= indent ? l.substr(indent) : std::string()) + "\n";
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_cpp_block_in_the_docs_is_a_compiled_example) {
  const std::regex marker(R"(<!-- snippet: (example/[A-Za-z0-9_]+\.cpp)#([A-Za-z0-9_]+) -->)");
  int blocks = 0, checked = 0;
  for (fs::directory_iterator it(source_dir() / "doc"), end; it != end; ++it) {
    if (it->path().extension() != ".md") continue;
    const std::vector<std::string> lines = read_lines(it->path());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].rfind("```cpp", 0) != 0) continue;
      ++blocks;
      std::smatch mm;
      const bool marked = i > 0 && std::regex_search(lines[i - 1], mm, marker);
      BOOST_TEST(marked, it->path().filename() << ":" << i + 1 << ": a ```cpp block without a snippet marker");
      std::string block;
      std::size_t j = i + 1;
      for (; j < lines.size() && lines[j].rfind("```", 0) != 0; ++j) block += lines[j] + "\n";
      if (marked) {
        const std::string want = extract(source_dir() / mm[1].str(), mm[2].str());
        BOOST_TEST(!want.empty(), mm[1].str() << "#" << mm[2].str() << " not found");
        BOOST_TEST(block == want, it->path().filename() << ":" << i + 1 << " differs from " << mm[1].str() << "#"
                                                         << mm[2].str());
        ++checked;
      }
      i = j;
    }
  }
  BOOST_TEST(blocks >= 5);  // the tutorial, reference and migration guide all have samples
  BOOST_TEST(checked == blocks);
}
