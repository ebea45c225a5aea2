// A small Windows program that probe_test and check_passthrough.cmake start (under wine):
//   probe_tool --exit CODE         ExitProcess(CODE): any 32-bit code, e.g. 0xC0000005
//   probe_tool --echo ARGS...      prints each argument as [arg], one per line, then exits 0
//   probe_tool --lock FILE --ready MARK
//                                  takes an exclusive byte-range lock (LockFileEx) on byte 0 of
//                                  FILE, creates MARK, then waits to be terminated
#include <boost/program_options.hpp>

#include <windows.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

namespace po = boost::program_options;

int main(int argc, char** argv) {
  std::string exit_code, lock_file, ready_file;
  std::vector<std::string> echo;
  po::options_description opts("probe_tool");
  opts.add_options()
    ("exit", po::value(&exit_code), "exit with this code (decimal or 0x hex)")
    ("echo", po::value(&echo)->multitoken()->zero_tokens(), "print the arguments")
    ("lock", po::value(&lock_file), "hold a byte-range lock on this file")
    ("ready", po::value(&ready_file), "create this file once the lock is held");
  po::positional_options_description pos;
  pos.add("echo", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "probe_tool: " << e.what() << "\n" << opts;
    return 2;
  }
  if (vm.count("exit")) ::ExitProcess(static_cast<UINT>(std::stoul(exit_code, nullptr, 0)));
  if (vm.count("echo")) {
    for (const auto& a : echo) std::cout << '[' << a << "]\n";
    return 0;
  }
  if (vm.count("lock") && vm.count("ready")) {
    HANDLE h = ::CreateFileA(lock_file.c_str(), GENERIC_READ | GENERIC_WRITE,
                             FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                             OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (h == INVALID_HANDLE_VALUE) return 3;
    OVERLAPPED ov{};
    if (!::LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, &ov)) return 4;
    HANDLE r = ::CreateFileA(ready_file.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW,
                             FILE_ATTRIBUTE_NORMAL, nullptr);
    if (r == INVALID_HANDLE_VALUE) return 5;
    ::CloseHandle(r);
    ::Sleep(INFINITE);  // until TerminateProcess
  }
  std::cerr << opts;
  return 2;
}
