// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
// The system headers of the test programs (support.hpp, child_main.cpp, lock_main.cpp), in one
// place: Windows' with WIN32_LEAN_AND_MEAN and NOMINMAX, POSIX's for fork, signals, mmap and modes.
#ifndef BOOST_TEMPFM_TEST_SYSTEM_HEADERS_HPP
#define BOOST_TEMPFM_TEST_SYSTEM_HEADERS_HPP

#ifdef _WIN32
#ifndef NOMINMAX
#define NOMINMAX
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <io.h>
#include <process.h>
#include <sys/stat.h>
#include <sys/types.h>
#else
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#endif

#endif
