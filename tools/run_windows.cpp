// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
//
// `tempfm run` on Windows: CreateProcessW with the command line quoted as the C runtime parses it,
// TMP, TEMP and TMPDIR set to the directory (GetTempPathW reads TMP then TEMP), the console's
// Ctrl-C ignored here while the child runs (it reaches the child by itself), and the child's exit
// code returned (run_posix.cpp: fork and execvp).
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

#include "cli.hpp"

#include <cerrno>
#include <stdexcept>

namespace tempfm_cli {

namespace {

// One argument as CommandLineToArgvW and the C runtime read it back.
void append_quoted(std::wstring& out, const std::wstring& arg) {
  if (!arg.empty() && arg.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
    out += arg;
    return;
  }
  out += L'"';
  for (std::size_t i = 0;; ++i) {
    std::size_t backslashes = 0;
    while (i < arg.size() && arg[i] == L'\\') {
      ++i;
      ++backslashes;
    }
    if (i == arg.size()) {
      out.append(backslashes * 2, L'\\');
      break;
    }
    if (arg[i] == L'"') {
      out.append(backslashes * 2 + 1, L'\\');
      out += L'"';
    } else {
      out.append(backslashes, L'\\');
      out += arg[i];
    }
  }
  out += L'"';
}

int errno_of_start(DWORD e) {
  switch (e) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND: return ENOENT;
    case ERROR_ACCESS_DENIED: return EACCES;
    case ERROR_BAD_EXE_FORMAT: return ENOEXEC;
    default: return EIO;
  }
}

}  // namespace

int run_child(std::vector<std::string>& cmd, const boost::filesystem::path& dir, int& exec_errno) {
  std::wstring line;
  for (const std::string& a : cmd) {
    if (!line.empty()) line += L' ';
    append_quoted(line, boost::filesystem::path(a).wstring());
  }
  for (const wchar_t* var : {L"TMP", L"TEMP", L"TMPDIR"}) ::SetEnvironmentVariableW(var, dir.c_str());
  STARTUPINFOW si{};
  si.cb = sizeof si;
  PROCESS_INFORMATION pi{};
  ::SetConsoleCtrlHandler(nullptr, TRUE);  // Ctrl-C: the child's to handle; we wait and clean up
  if (!::CreateProcessW(nullptr, &line[0], nullptr, nullptr, TRUE, 0, nullptr, nullptr, &si, &pi)) {
    ::SetConsoleCtrlHandler(nullptr, FALSE);
    exec_errno = errno_of_start(::GetLastError());
    return -1;
  }
  ::CloseHandle(pi.hThread);
  ::WaitForSingleObject(pi.hProcess, INFINITE);
  DWORD code = 125;
  if (!::GetExitCodeProcess(pi.hProcess, &code)) code = 125;
  ::CloseHandle(pi.hProcess);
  ::SetConsoleCtrlHandler(nullptr, FALSE);
  return static_cast<int>(code & 0xff);  // what a POSIX parent would see of it
}

}  // namespace tempfm_cli
