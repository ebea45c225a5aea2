# Installation: headers, both libraries, the CMake package (boost_tempfm-config.cmake), pkg-config.
# Components, one per Debian package (cmake/package_deb.cmake): runtime (the shared library),
# dev (headers, static libraries, CMake and pkg-config files), tool (tempfm, its systemd units).
include(CMakePackageConfigHelpers)

# The second static flavour, so that one installed package serves consumers of shared and of
# static Boost (see cmake/library_targets.cmake).
option(BOOST_TEMPFM_STATIC_BOOST_LIBRARY "Also build the static library for static Boost" ON)
set(boost_tempfm_installed boost_tempfm_static)
if(BOOST_TEMPFM_BOOST_IS_SHARED)
  list(APPEND boost_tempfm_installed boost_tempfm)
  set_target_properties(boost_tempfm_static PROPERTIES EXPORT_NAME static_for_shared_boost)
  if(BOOST_TEMPFM_STATIC_BOOST_LIBRARY)
    # Boost's headers without BOOST_*_DYN_LINK: the static Boost ABI.
    boost_tempfm_add_objects(boost_tempfm_static_boost_objects Boost::headers)
    add_library(boost_tempfm_static_boost STATIC $<TARGET_OBJECTS:boost_tempfm_static_boost_objects>)
    set_target_properties(boost_tempfm_static_boost PROPERTIES EXPORT_NAME static_for_static_boost)
    target_compile_features(boost_tempfm_static_boost PUBLIC cxx_std_17)
    target_include_directories(boost_tempfm_static_boost PUBLIC
      $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    # Resolved in the consumer's project, where Boost_USE_STATIC_LIBS picks the static Boost.
    target_link_libraries(boost_tempfm_static_boost INTERFACE
      $<INSTALL_INTERFACE:Boost::filesystem> $<INSTALL_INTERFACE:Boost::log> Threads::Threads)
    list(APPEND boost_tempfm_installed boost_tempfm_static_boost)
  endif()
else()
  set_target_properties(boost_tempfm_static PROPERTIES EXPORT_NAME static_for_static_boost)
endif()

install(DIRECTORY boost_tempfm DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
install(TARGETS ${boost_tempfm_installed} EXPORT boost_tempfm-targets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT dev
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(boost_tempfm_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/boost_tempfm)
install(EXPORT boost_tempfm-targets NAMESPACE boost_tempfm:: DESTINATION ${boost_tempfm_cmake_dir}
  COMPONENT dev)
configure_package_config_file(cmake/boost_tempfm-config.cmake.in
  ${PROJECT_BINARY_DIR}/boost_tempfm-config.cmake INSTALL_DESTINATION ${boost_tempfm_cmake_dir})
# SameMajorVersion for a single version (find_package(boost_tempfm 0.1)), and any version inside
# a range the caller gives (find_package(boost_tempfm 0.1...1.0)).
configure_file(cmake/boost_tempfm-config-version.cmake.in
  ${PROJECT_BINARY_DIR}/boost_tempfm-config-version.cmake @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/boost_tempfm-config.cmake
  ${PROJECT_BINARY_DIR}/boost_tempfm-config-version.cmake
  DESTINATION ${boost_tempfm_cmake_dir} COMPONENT dev)

# pkg-config: the shared library. The prefix is found from the .pc file's own place, so the
# installed tree can be moved (and `cmake --install --prefix` works).
file(RELATIVE_PATH boost_tempfm_pc_to_prefix
  ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" boost_tempfm_pc_to_prefix "${boost_tempfm_pc_to_prefix}")
configure_file(cmake/boost_tempfm.pc.in ${PROJECT_BINARY_DIR}/boost_tempfm.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/boost_tempfm.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
  COMPONENT dev)
