# Installing Islet: the libraries, the public headers (include/islet/ and
# islet.h, with the generated version.h), the exported CMake targets
# Islet::runtime/http/widgets/testing with IsletConfig.cmake and its version
# file, and a pkg-config file per library.
#
# A static and a shared build can be installed into the same prefix: each
# installs its own IsletTargets-static.cmake or IsletTargets-shared.cmake,
# and IsletConfig.cmake picks one (shared unless ISLET_USE_STATIC_LIBS).
include(CMakePackageConfigHelpers)

set(ISLET_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Islet)
set(ISLET_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(BUILD_SHARED_LIBS)
  set(ISLET_KIND shared)
else()
  set(ISLET_KIND static)
endif()

install(TARGETS islet_runtime islet_http islet_widgets islet_testing
        EXPORT IsletTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/include/islet/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/islet)

install(EXPORT IsletTargets NAMESPACE Islet:: FILE IsletTargets-${ISLET_KIND}.cmake
        DESTINATION ${ISLET_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/scripts/cmake/IsletConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/IsletConfig.cmake
                              INSTALL_DESTINATION ${ISLET_CMAKE_DIR})
# Before 1.0 a minor release may break the API: 0.3 is compatible with 0.3.x.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/IsletConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/IsletConfig.cmake ${PROJECT_BINARY_DIR}/IsletConfigVersion.cmake
        DESTINATION ${ISLET_CMAKE_DIR})

# The .pc files find the prefix from their own place (${pcfiledir}), so an
# installed tree can be moved.
file(RELATIVE_PATH ISLET_PC_TO_PREFIX /${ISLET_PC_DIR} /)
string(REGEX REPLACE "/$" "" ISLET_PC_TO_PREFIX "${ISLET_PC_TO_PREFIX}")
foreach(pc islet-runtime islet-http islet-widgets islet-testing)
  configure_file(${PROJECT_SOURCE_DIR}/scripts/cmake/${pc}.pc.in ${PROJECT_BINARY_DIR}/pkgconfig/${pc}.pc
                 @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/${pc}.pc DESTINATION ${ISLET_PC_DIR})
endforeach()
