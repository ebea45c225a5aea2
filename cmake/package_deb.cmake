# Debian packages with CPack: `cpack -G DEB` in the build tree (configure with
# -DCMAKE_INSTALL_PREFIX=/usr to get Debian's multiarch library directory) gives
#   libboost-tempfm<major>.<minor>  the shared library          (component runtime)
#   libboost-tempfm-dev             headers, static libraries, CMake package, pkg-config (dev)
#   tempfm                          the tool and its systemd user timer, disabled (tool)
# each with its copyright file; dependencies on Boost's packages come from dpkg-shlibdeps.
set(boost_tempfm_deb_runtime libboost-tempfm${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
foreach(component runtime dev tool)
  if(component STREQUAL "runtime")
    set(deb ${boost_tempfm_deb_runtime})
  elseif(component STREQUAL "dev")
    set(deb libboost-tempfm-dev)
  else()
    set(deb tempfm)
  endif()
  string(TOUPPER ${component} C)
  set(CPACK_DEBIAN_${C}_PACKAGE_NAME ${deb})
  install(FILES LICENSE DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${deb} RENAME copyright
    COMPONENT ${component})
  install(FILES README.md CHANGELOG.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${deb}
    COMPONENT ${component})
endforeach()

set(CPACK_PACKAGE_NAME boost-tempfm)
set(CPACK_PACKAGE_VENDOR "boost_tempfm contributors")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGE_CONTACT "boost_tempfm contributors <boost-tempfm@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_OUTPUT_FILE_PREFIX ${PROJECT_BINARY_DIR}/packages)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev tool)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_COMPONENT_DEV_DEPENDS runtime)
set(CPACK_COMPONENT_TOOL_DEPENDS runtime)
# The tool's dependency on the library package comes from the component dependency; dpkg-shlibdeps
# finds the library in the build tree. The runtime package gets a shlibs file for other packages.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR})
set(CPACK_DEBIAN_RUNTIME_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY "=")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_TOOL_PACKAGE_SECTION utils)
# The headers include Boost.Filesystem's; the CMake package finds Boost.Log and Boost.Filesystem.
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
  "libboost-filesystem${Boost_VERSION_MAJOR}.${Boost_VERSION_MINOR}-dev, libboost-log${Boost_VERSION_MAJOR}.${Boost_VERSION_MINOR}-dev")
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION "${PROJECT_DESCRIPTION}: shared library
 Temporary files and directories created exclusively under a private root, removed at scope end,
 on cleanup_all() and at exit; one registry per root shared by every process, so the files of a
 process that died are found and swept.")
set(CPACK_DEBIAN_DEV_DESCRIPTION "${PROJECT_DESCRIPTION}: development files
 Headers, static libraries, the CMake package (find_package(boost_tempfm)) and boost_tempfm.pc.")
set(CPACK_DEBIAN_TOOL_DESCRIPTION "${PROJECT_DESCRIPTION}: the tempfm tool
 tempfm ls, du, sweep and run on a boost_tempfm temp root, and a systemd user timer
 (tempfm-sweep.timer, disabled by default) that sweeps the default root of dead owners.")
include(CPack)
