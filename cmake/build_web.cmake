# Builds the web UI (web/) into OUT with npm: `npm ci` first when node_modules is missing or older
# than package-lock.json (only the registry's packages, pinned by the lock file), then the type
# check and Vite's build. Run by the build (cmake -P) when a file of web/ changes.
#   cmake -DWEB=web -DOUT=build/web-dist -DNPM=/usr/bin/npm -P build_web.cmake
if(NOT WEB OR NOT OUT OR NOT NPM)
  message(FATAL_ERROR "build_web.cmake: pass -DWEB=<web folder> -DOUT=<dist folder> -DNPM=<npm>")
endif()
set(stamp "${WEB}/node_modules/.package-lock.json")
set(install FALSE)
if(NOT EXISTS "${stamp}")
  set(install TRUE)
elseif("${WEB}/package-lock.json" IS_NEWER_THAN "${stamp}")
  set(install TRUE)
endif()
if(install)
  message(STATUS "web: npm ci")
  execute_process(COMMAND "${NPM}" ci --no-audit --no-fund --loglevel=error
                  WORKING_DIRECTORY "${WEB}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "web: npm ci failed (${rc})")
  endif()
endif()
execute_process(COMMAND "${NPM}" run --silent build -- --outDir "${OUT}" --emptyOutDir
                WORKING_DIRECTORY "${WEB}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "web: npm run build failed (${rc})")
endif()
