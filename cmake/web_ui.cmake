# The web UI (web/): built with npm as part of the normal build and compiled into atelier_server
# (src/server/ui_assets.h), so `atelier serve` alone serves it. -DATELIER_BUILD_UI=OFF builds
# without it (`/` then says so, and `--ui-dir` can still serve a folder).
option(ATELIER_BUILD_UI "Build web/ with npm and embed it in the atelier binary" ON)
set(ATELIER_UI_CC ${PROJECT_BINARY_DIR}/generated/ui_assets_data.cc)
if(ATELIER_BUILD_UI)
  find_program(ATELIER_NPM npm)
  if(NOT ATELIER_NPM)
    message(FATAL_ERROR "The web UI needs Node.js and npm (scripts/setup.sh installs them), or "
                        "configure with -DATELIER_BUILD_UI=OFF")
  endif()
  set(ATELIER_UI_DIST ${PROJECT_BINARY_DIR}/web-dist)
  file(GLOB_RECURSE ATELIER_WEB_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/web/src/*)
  list(FILTER ATELIER_WEB_SOURCES EXCLUDE REGEX "\\.test\\.tsx?$")
  add_custom_command(
    OUTPUT ${ATELIER_UI_CC}
    COMMAND ${CMAKE_COMMAND} -DWEB=${PROJECT_SOURCE_DIR}/web -DOUT=${ATELIER_UI_DIST}
            -DNPM=${ATELIER_NPM} -P ${PROJECT_SOURCE_DIR}/cmake/build_web.cmake
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${ATELIER_UI_CC} -DDIR=${ATELIER_UI_DIST}
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_web.cmake
    DEPENDS ${ATELIER_WEB_SOURCES} ${PROJECT_SOURCE_DIR}/web/index.html
            ${PROJECT_SOURCE_DIR}/web/package.json ${PROJECT_SOURCE_DIR}/web/package-lock.json
            ${PROJECT_SOURCE_DIR}/web/vite.config.ts ${PROJECT_SOURCE_DIR}/web/tsconfig.json
            ${PROJECT_SOURCE_DIR}/cmake/build_web.cmake ${PROJECT_SOURCE_DIR}/cmake/embed_web.cmake
    COMMENT "Building the web UI (npm) and embedding it"
    VERBATIM)
else()
  add_custom_command(
    OUTPUT ${ATELIER_UI_CC}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${ATELIER_UI_CC} -P ${PROJECT_SOURCE_DIR}/cmake/embed_web.cmake
    DEPENDS ${PROJECT_SOURCE_DIR}/cmake/embed_web.cmake
    COMMENT "Building without the web UI"
    VERBATIM)
endif()
target_sources(atelier_server PRIVATE ${ATELIER_UI_CC})
# The generated file is part of the server module and includes its private ui_assets.h.
set_source_files_properties(${ATELIER_UI_CC} PROPERTIES INCLUDE_DIRECTORIES ${PROJECT_SOURCE_DIR}/src/server)
