# CMake toolchain for a 64-bit Windows build with MinGW-w64 (posix threads), run under wine.
#
#   .ci/mingw/boost.sh                     # once: Boost 1.81 for MinGW, in the cache
#   cmake -S . -B out/mingw -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-mingw64.cmake
#   cmake --build out/mingw -j2 && (cd out/mingw && ctest -j2)
#
# Boost: the static libraries .ci/mingw/boost.sh builds, with Boost's own CMake package files, so
# find_package(Boost 1.81 CONFIG COMPONENTS filesystem log unit_test_framework program_options json)
# gives the usual Boost:: targets. Where: BOOST_TEMPFM_MINGW_BOOST (cache variable or environment
# variable), else ${BOOST_TEMPFM_CACHE:-$HOME/.cache/boost_tempfm}/boost-1.81-mingw64.
#
# Running: CMAKE_CROSSCOMPILING_EMULATOR is .ci/mingw/wine-run, so ctest runs each test .exe under
# wine64. The MinGW runtime DLLs stay DLLs (the compiler's default); wine-run puts them on the path.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(BOOST_TEMPFM_MINGW_HOST x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${BOOST_TEMPFM_MINGW_HOST}-gcc-posix)
set(CMAKE_CXX_COMPILER ${BOOST_TEMPFM_MINGW_HOST}-g++-posix)
set(CMAKE_RC_COMPILER ${BOOST_TEMPFM_MINGW_HOST}-windres)
set(CMAKE_AR ${BOOST_TEMPFM_MINGW_HOST}-ar CACHE FILEPATH "MinGW archiver")
set(CMAKE_RANLIB ${BOOST_TEMPFM_MINGW_HOST}-ranlib CACHE FILEPATH "MinGW ranlib")

# Boost for MinGW, from the cache outside the clone.
if(NOT BOOST_TEMPFM_MINGW_BOOST)
  if(DEFINED ENV{BOOST_TEMPFM_MINGW_BOOST})
    set(BOOST_TEMPFM_MINGW_BOOST "$ENV{BOOST_TEMPFM_MINGW_BOOST}")
  elseif(DEFINED ENV{BOOST_TEMPFM_CACHE})
    set(BOOST_TEMPFM_MINGW_BOOST "$ENV{BOOST_TEMPFM_CACHE}/boost-1.81-mingw64")
  else()
    set(BOOST_TEMPFM_MINGW_BOOST "$ENV{HOME}/.cache/boost_tempfm/boost-1.81-mingw64")
  endif()
endif()
set(BOOST_TEMPFM_MINGW_BOOST "${BOOST_TEMPFM_MINGW_BOOST}" CACHE PATH
  "Boost 1.81 built for MinGW by .ci/mingw/boost.sh (include/, lib/, lib/cmake/)")
if(NOT EXISTS "${BOOST_TEMPFM_MINGW_BOOST}/lib/cmake/Boost-1.81.0/BoostConfig.cmake")
  message(FATAL_ERROR "No Boost for MinGW in ${BOOST_TEMPFM_MINGW_BOOST}: run .ci/mingw/boost.sh first "
    "(or set BOOST_TEMPFM_MINGW_BOOST to the prefix it printed).")
endif()
# Try-compile projects read this file again: hand them the same prefix.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES BOOST_TEMPFM_MINGW_BOOST)

# Look for headers, libraries and packages in the MinGW sysroot and that Boost only, never in the
# build machine's /usr (whose Boost is for Linux); programs come from the build machine.
set(CMAKE_FIND_ROOT_PATH /usr/${BOOST_TEMPFM_MINGW_HOST} "${BOOST_TEMPFM_MINGW_BOOST}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(Boost_DIR "${BOOST_TEMPFM_MINGW_BOOST}/lib/cmake/Boost-1.81.0" CACHE PATH "Boost for MinGW" FORCE)
set(Boost_USE_STATIC_LIBS ON)  # the only kind there is; said so that Boost's files need not guess

# Run target executables (ctest, add_custom_command with an executable target) under wine.
get_filename_component(BOOST_TEMPFM_WINE_RUN "${CMAKE_CURRENT_LIST_DIR}/../.ci/mingw/wine-run" ABSOLUTE)
set(CMAKE_CROSSCOMPILING_EMULATOR "${BOOST_TEMPFM_WINE_RUN}")
