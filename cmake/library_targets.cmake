# The library targets, and the Boost each one needs.
#
#   boost_tempfm::boost_tempfm         the shared library, for shared Boost (the default).
#   boost_tempfm::boost_tempfm_static  the static library, compiled for the Boost this build found:
#                                      shared Boost by default, static Boost when the project (or
#                                      the one that add_subdirectory()s it) sets
#                                      Boost_USE_STATIC_LIBS ON; then boost_tempfm::boost_tempfm
#                                      is that static library too (no shared library is built).
# Installed packages carry both static flavours (cmake/install.cmake): there,
# boost_tempfm::boost_tempfm_static follows the consumer's Boost_USE_STATIC_LIBS.
#
# Boost.Log's ABI differs between its shared and static builds (namespace v2_mt_posix against
# v2s_mt_posix, chosen by BOOST_LOG_DYN_LINK), so one object file cannot serve both.

# The platform backend (libs/platform/platform.hpp): linux on Linux, posix (portable POSIX: macOS,
# the BSDs) elsewhere, or on Linux too with BOOST_TEMPFM_PORTABLE_POSIX, so that CI tests it;
# windows on Windows (tagged windows in libs/sources.txt; Win32, and bcrypt for random names).
if(WIN32)
  set(BOOST_TEMPFM_BACKEND windows)
elseif(BOOST_TEMPFM_PORTABLE_POSIX OR NOT CMAKE_SYSTEM_NAME STREQUAL "Linux")
  set(BOOST_TEMPFM_BACKEND posix)
else()
  set(BOOST_TEMPFM_BACKEND linux)
endif()
message(STATUS "boost_tempfm: platform backend ${BOOST_TEMPFM_BACKEND}")

# The sources of that backend, from the one list: a file alone belongs to every backend, a file
# followed by backend names to those (the rule libs/sources.sh applies for b2 and build.sh).
file(STRINGS ${PROJECT_SOURCE_DIR}/libs/sources.txt boost_tempfm_source_lines)
set(BOOST_TEMPFM_SOURCES)
foreach(line IN LISTS boost_tempfm_source_lines)
  if(line MATCHES "^[ \t]*(#|$)")
    continue()
  endif()
  separate_arguments(words UNIX_COMMAND "${line}")
  list(POP_FRONT words file)
  if(NOT words OR BOOST_TEMPFM_BACKEND IN_LIST words)
    list(APPEND BOOST_TEMPFM_SOURCES ${PROJECT_SOURCE_DIR}/libs/${file})
  endif()
endforeach()
set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/libs/sources.txt)

get_target_property(boost_tempfm_log_defs Boost::log INTERFACE_COMPILE_DEFINITIONS)
if("BOOST_LOG_DYN_LINK" IN_LIST boost_tempfm_log_defs)
  set(BOOST_TEMPFM_BOOST_IS_SHARED ON)
else()
  set(BOOST_TEMPFM_BOOST_IS_SHARED OFF)
endif()

# boost_tempfm_add_objects(NAME LINK...): the sources compiled once, with the given Boost usage.
function(boost_tempfm_add_objects name)
  add_library(${name} OBJECT ${BOOST_TEMPFM_SOURCES})
  set_target_properties(${name} PROPERTIES
    POSITION_INDEPENDENT_CODE ON CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  target_compile_features(${name} PUBLIC cxx_std_17)
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARGN} Threads::Threads)
  if(WIN32)
    target_compile_definitions(${name} PRIVATE _WIN32_WINNT=0x0A00)
    target_link_libraries(${name} PUBLIC bcrypt advapi32)
  endif()
  target_compile_options(${name} PRIVATE ${BOOST_TEMPFM_WARNINGS})
endfunction()

# boost_tempfm_usage(TARGET BUILD_LINK INSTALL_LINK): what a consumer of TARGET gets.
function(boost_tempfm_usage tgt)
  add_library(boost_tempfm::${tgt} ALIAS ${tgt})
  target_compile_features(${tgt} PUBLIC cxx_std_17)
  target_include_directories(${tgt} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${tgt} PUBLIC Boost::filesystem Boost::log Threads::Threads)
  if(WIN32)
    target_link_libraries(${tgt} PUBLIC bcrypt advapi32)
  endif()
endfunction()

boost_tempfm_add_objects(boost_tempfm_objects Boost::filesystem Boost::log)

add_library(boost_tempfm_static STATIC $<TARGET_OBJECTS:boost_tempfm_objects>)
set_target_properties(boost_tempfm_static PROPERTIES OUTPUT_NAME boost_tempfm)
boost_tempfm_usage(boost_tempfm_static)

if(BOOST_TEMPFM_BOOST_IS_SHARED)
  # Link-time optimisation of the shared library (BOOST_TEMPFM_LTO) in Release builds with GCC 10
  # or later (-flto=auto) and no sanitizer: an operation's hot path crosses several sources
  # (doc/benchmarks.md measures what it gives). Its objects are compiled apart for it, so that the
  # static library holds ordinary objects only (no compiler's intermediate code in an archive
  # others link).
  if(BOOST_TEMPFM_LTO AND CMAKE_BUILD_TYPE STREQUAL "Release" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU"
     AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 10 AND NOT BOOST_TEMPFM_SANITIZE AND NOT WIN32)
    boost_tempfm_add_objects(boost_tempfm_lto_objects Boost::filesystem Boost::log)
    target_compile_options(boost_tempfm_lto_objects PRIVATE -flto=auto)
    add_library(boost_tempfm SHARED $<TARGET_OBJECTS:boost_tempfm_lto_objects>)
    target_link_options(boost_tempfm PRIVATE -flto=auto)
    message(STATUS "boost_tempfm: the shared library is linked with link-time optimisation")
  else()
    add_library(boost_tempfm SHARED $<TARGET_OBJECTS:boost_tempfm_objects>)
  endif()
  # Before 1.0 every minor version may change the ABI: the soname carries it (libboost_tempfm.so.0.3).
  set_target_properties(boost_tempfm PROPERTIES VERSION ${PROJECT_VERSION}
    SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
  boost_tempfm_usage(boost_tempfm)
else()
  message(STATUS "boost_tempfm: static Boost (Boost_USE_STATIC_LIBS): boost_tempfm::boost_tempfm is the static library")
  add_library(boost_tempfm::boost_tempfm ALIAS boost_tempfm_static)
endif()
