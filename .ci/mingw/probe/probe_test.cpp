// The proof that a Boost.Test program built by cmake/toolchain-mingw64.cmake against the cached
// Boost for MinGW runs under wine: Boost.Filesystem, exclusive creation, Boost.Log, Boost.JSON,
// Boost.Program_options, Boost.Iostreams, Boost.Interprocess, processes and byte-range locks.
// Run as: probe_test -- <path of probe_tool.exe>
#define BOOST_TEST_MODULE mingw_probe
#include <boost/test/unit_test.hpp>

#include <boost/filesystem.hpp>
#include <boost/interprocess/sync/named_mutex.hpp>
#include <boost/iostreams/device/file.hpp>
#include <boost/iostreams/stream.hpp>
#include <boost/json.hpp>
#include <boost/log/core.hpp>
#include <boost/log/sources/logger.hpp>
#include <boost/log/sources/record_ostream.hpp>
#include <boost/log/utility/setup/common_attributes.hpp>
#include <boost/log/utility/setup/file.hpp>
#include <boost/program_options.hpp>

#include <windows.h>
#include <fcntl.h>
#include <io.h>
#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace fs = boost::filesystem;

namespace {

// How a test knows that it runs under wine: wine's ntdll exports wine_get_version.
const char* wine_version() {
  HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
  if (!ntdll) return nullptr;
  auto get = reinterpret_cast<const char* (*)()>(
    reinterpret_cast<void*>(::GetProcAddress(ntdll, "wine_get_version")));
  return get ? get() : nullptr;
}

// The probe_tool path, the last argument after "--".
fs::path tool() {
  auto& s = boost::unit_test::framework::master_test_suite();
  BOOST_TEST_REQUIRE(s.argc >= 2, "usage: probe_test -- <probe_tool.exe>");
  return fs::path(s.argv[s.argc - 1]);
}

// A fresh directory under the temporary directory, removed at the end of the test.
struct scratch {
  fs::path dir = fs::temp_directory_path() / fs::unique_path("tempfm-probe-%%%%-%%%%-%%%%-%%%%");
  scratch() { BOOST_TEST_REQUIRE(fs::create_directory(dir)); }
  ~scratch() {
    boost::system::error_code ec;
    fs::remove_all(dir, ec);
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p.string(), std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs probe_tool with a command line tail; returns its process handle.
HANDLE start_tool(const std::wstring& args) {
  std::wstring cmd = L"\"" + tool().wstring() + L"\" " + args;
  STARTUPINFOW si{};
  si.cb = sizeof si;
  PROCESS_INFORMATION pi{};
  BOOST_TEST_REQUIRE(::CreateProcessW(nullptr, &cmd[0], nullptr, nullptr, FALSE, 0, nullptr, nullptr,
                                      &si, &pi) != 0, "CreateProcessW failed: " << ::GetLastError());
  ::CloseHandle(pi.hThread);
  return pi.hProcess;
}

DWORD wait_exit(HANDLE p) {
  BOOST_TEST_REQUIRE(::WaitForSingleObject(p, 60000) == WAIT_OBJECT_0);
  DWORD code = 0;
  BOOST_TEST_REQUIRE(::GetExitCodeProcess(p, &code) != 0);
  ::CloseHandle(p);
  return code;
}

struct report {
  report() {
    const char* v = wine_version();
    std::cout << "probe: " << (v ? std::string("wine ") + v : std::string("not wine"))
              << "; temp " << fs::temp_directory_path() << "; cwd " << fs::current_path() << std::endl;
  }
};
BOOST_TEST_GLOBAL_FIXTURE(report);

}  // namespace

BOOST_AUTO_TEST_CASE(filesystem_unique_path_exclusive_create_remove_all) {
  fs::path root = fs::temp_directory_path() / fs::unique_path("tempfm-probe-%%%%-%%%%-%%%%-%%%%");
  BOOST_TEST_REQUIRE(fs::create_directory(root));
  BOOST_TEST(fs::unique_path("%%%%-%%%%") != fs::unique_path("%%%%-%%%%"));

  // Exclusive creation with the C runtime: the second attempt fails with EEXIST.
  const fs::path f = root / "claim";
  int fd = ::_wopen(f.c_str(), _O_CREAT | _O_EXCL | _O_WRONLY | _O_BINARY, _S_IREAD | _S_IWRITE);
  BOOST_TEST_REQUIRE(fd >= 0);
  BOOST_TEST(::_write(fd, "x", 1) == 1);
  BOOST_TEST(::_close(fd) == 0);
  errno = 0;
  BOOST_TEST(::_wopen(f.c_str(), _O_CREAT | _O_EXCL | _O_WRONLY | _O_BINARY, _S_IREAD | _S_IWRITE) == -1);
  BOOST_TEST(errno == EEXIST);

  // And with the Windows API: CREATE_NEW fails with ERROR_FILE_EXISTS.
  HANDLE h = ::CreateFileW(f.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr);
  BOOST_TEST((h == INVALID_HANDLE_VALUE));
  BOOST_TEST(::GetLastError() == static_cast<DWORD>(ERROR_FILE_EXISTS));

  // A small tree, read-only file included, all removed by remove_all.
  fs::create_directories(root / "a" / "b");
  std::ofstream((root / "a" / "b" / "c.txt").string()) << "c";
  std::ofstream((root / "a" / "ro.txt").string()) << "ro";
  fs::permissions(root / "a" / "ro.txt", fs::remove_perms | fs::owner_write | fs::group_write | fs::others_write);
  BOOST_TEST(fs::remove_all(root) == 6u);
  BOOST_TEST(!fs::exists(root));
}

BOOST_AUTO_TEST_CASE(delete_an_open_file) {
  // Windows semantics, kept by wine: a file open without FILE_SHARE_DELETE cannot be deleted;
  // with FILE_SHARE_DELETE it can, and its name goes when the last handle closes.
  scratch s;
  const fs::path f = s.dir / "open";
  HANDLE h = ::CreateFileW(f.c_str(), GENERIC_WRITE, FILE_SHARE_READ, nullptr, CREATE_NEW,
                           FILE_ATTRIBUTE_NORMAL, nullptr);
  BOOST_TEST_REQUIRE((h != INVALID_HANDLE_VALUE));
  BOOST_TEST(::DeleteFileW(f.c_str()) == 0);
  BOOST_TEST(::GetLastError() == static_cast<DWORD>(ERROR_SHARING_VIOLATION));
  ::CloseHandle(h);

  h = ::CreateFileW(f.c_str(), GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_DELETE, nullptr,
                    OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  BOOST_TEST_REQUIRE((h != INVALID_HANDLE_VALUE));
  BOOST_TEST(::DeleteFileW(f.c_str()) != 0);
  ::CloseHandle(h);
  BOOST_TEST(!fs::exists(f));
}

BOOST_AUTO_TEST_CASE(log_to_a_text_file) {
  scratch s;
  const fs::path file = s.dir / "probe.log";
  namespace logging = boost::log;
  logging::add_common_attributes();
  auto sink = logging::add_file_log(logging::keywords::file_name = file.string(),
                                    logging::keywords::format = "[%ThreadID%] %Message%",
                                    logging::keywords::auto_flush = true);
  logging::sources::logger lg;
  BOOST_LOG(lg) << "hello from " << (wine_version() ? "wine" : "windows");
  sink->flush();
  logging::core::get()->remove_sink(sink);
  sink.reset();  // closes the file, so that scratch can remove it
  const std::string text = slurp(file);
  BOOST_TEST(text.find("hello from ") != std::string::npos, "log file holds: " << text);
}

BOOST_AUTO_TEST_CASE(json_parse_and_serialize) {
  boost::json::value v = boost::json::parse(R"({"root":"C:\\tmp","pids":[1,2,3],"ok":true})");
  BOOST_TEST(v.at("root").as_string() == "C:\\tmp");
  BOOST_TEST(v.at("pids").as_array().size() == 3u);
  BOOST_TEST(v.at("ok").as_bool());
  BOOST_TEST(boost::json::parse(boost::json::serialize(v)) == v);
}

BOOST_AUTO_TEST_CASE(program_options_parse) {
  namespace po = boost::program_options;
  po::options_description d;
  d.add_options()("root", po::value<std::string>())("count,n", po::value<int>()->default_value(1))(
    "json", po::bool_switch());
  const char* argv[] = {"tempfm", "--root", "C:\\tmp\\x", "-n", "3", "--json"};
  po::variables_map vm;
  po::store(po::parse_command_line(6, argv, d), vm);
  po::notify(vm);
  BOOST_TEST(vm["root"].as<std::string>() == "C:\\tmp\\x");
  BOOST_TEST(vm["count"].as<int>() == 3);
  BOOST_TEST(vm["json"].as<bool>());
}

BOOST_AUTO_TEST_CASE(iostreams_file_stream) {
  scratch s;
  const std::string f = (s.dir / "io.txt").string();
  {
    boost::iostreams::stream<boost::iostreams::file_sink> out(f);
    out << "line\n";
  }
  boost::iostreams::stream<boost::iostreams::file_source> in(f);
  std::string line;
  BOOST_TEST(static_cast<bool>(std::getline(in, line)));
  BOOST_TEST(line == "line");
}

BOOST_AUTO_TEST_CASE(interprocess_named_mutex) {
  // Needs HKLM\...\PrefetchParameters\BootId, which a fresh wine prefix lacks (wine-run adds it).
  namespace ipc = boost::interprocess;
  const std::string name = "tempfm-probe-" + fs::unique_path("%%%%%%%%").string();
  {
    ipc::named_mutex m(ipc::create_only, name.c_str());
    m.lock();
    BOOST_TEST(!m.try_lock_until(boost::posix_time::microsec_clock::universal_time()));
    m.unlock();
    ipc::named_mutex again(ipc::open_only, name.c_str());
    BOOST_TEST(again.try_lock());
    again.unlock();
  }
  // named_mutex::remove() deletes the emulation file, C:/ProgramData/boost_interprocess/<BootId>/
  // <name>, by renaming it through NtSetInformationFile and opening it delete-on-close, which fails
  // under wine: remove() returns false there and the file stays. Deleting that file by name works,
  // so that is the workaround.
  const bool removed = ipc::named_mutex::remove(name.c_str());
  std::string file;
  ipc::ipcdetail::shared_filepath(name.c_str(), file);
  if (wine_version()) {
    BOOST_TEST_MESSAGE("named_mutex::remove under wine returned " << removed << "; " << file
                       << (fs::exists(file) ? " is still there" : " is gone"));
    if (!removed) BOOST_TEST(fs::remove(file));
  } else {
    BOOST_TEST(removed);
  }
  BOOST_TEST(!fs::exists(file));
}

BOOST_AUTO_TEST_CASE(child_exit_codes_are_32_bit_inside_windows) {
  // Between two Windows processes the whole exit code survives (wine truncates it only when it
  // hands it to Linux as an exit status).
  BOOST_TEST(wait_exit(start_tool(L"--exit 0")) == 0u);
  BOOST_TEST(wait_exit(start_tool(L"--exit 256")) == 256u);
  BOOST_TEST(wait_exit(start_tool(L"--exit 0xC0000005")) == 0xC0000005u);
}

BOOST_AUTO_TEST_CASE(byte_range_lock_released_when_holder_is_killed) {
  scratch s;
  const fs::path lock = s.dir / "registry.lock", ready = s.dir / "ready";
  HANDLE child = start_tool(L"--lock \"" + lock.wstring() + L"\" --ready \"" + ready.wstring() + L"\"");
  for (int i = 0; i < 3000 && !fs::exists(ready); ++i) ::Sleep(10);
  BOOST_TEST_REQUIRE(fs::exists(ready), "probe_tool never took the lock");

  HANDLE h = ::CreateFileW(lock.c_str(), GENERIC_READ | GENERIC_WRITE,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                           FILE_ATTRIBUTE_NORMAL, nullptr);
  BOOST_TEST_REQUIRE((h != INVALID_HANDLE_VALUE));
  OVERLAPPED ov{};
  BOOST_TEST(::LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ov) == 0);
  BOOST_TEST(::GetLastError() == static_cast<DWORD>(ERROR_LOCK_VIOLATION));

  BOOST_TEST(::TerminateProcess(child, 9) != 0);
  BOOST_TEST(wait_exit(child) == 9u);
  ov = OVERLAPPED{};
  BOOST_TEST(::LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ov) != 0,
             "the lock of a killed process was not released: " << ::GetLastError());
  ov = OVERLAPPED{};
  ::UnlockFileEx(h, 0, 1, 0, &ov);
  ::CloseHandle(h);
}
