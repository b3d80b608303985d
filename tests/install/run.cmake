# tests/install/run.cmake - install tally into a scratch prefix, then build
# and run a tiny out-of-tree C program against it twice: once with
# `pkg-config --cflags --libs tally`, once with find_package(tally).
#
# Inputs: SOURCE_DIR, BINARY_DIR, WORK_DIR, C_COMPILER, SANITIZE (flags).
cmake_minimum_required(VERSION 3.25)

set(prefix "${WORK_DIR}/prefix")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(check)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
      ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${out}\n${err}")
  endif()
  set(OUT "${out}" PARENT_SCOPE)
endfunction()

check(${CMAKE_COMMAND} --install "${BINARY_DIR}" --prefix "${prefix}")

# 1. pkg-config
find_program(PKG_CONFIG pkg-config REQUIRED)
file(GLOB pcdirs "${prefix}/lib*/pkgconfig" "${prefix}/lib/*/pkgconfig")
string(REPLACE ";" ":" pcpath "${pcdirs}")
set(ENV{PKG_CONFIG_PATH} "${pcpath}")
check(${PKG_CONFIG} --cflags --libs tally)
string(STRIP "${OUT}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
separate_arguments(san UNIX_COMMAND "${SANITIZE}")
check(${C_COMPILER} ${san} "${SOURCE_DIR}/tests/install/consumer.c"
    -o "${WORK_DIR}/consumer-pc" ${flags})
file(GLOB libdirs "${prefix}/lib*" "${prefix}/lib/*")
string(REPLACE ";" ":" ldpath "${libdirs}")
set(ENV{LD_LIBRARY_PATH} "${ldpath}")
check("${WORK_DIR}/consumer-pc" "${SOURCE_DIR}/tests/data/defs/defs.sarif")
if(NOT OUT MATCHES "unique 13")
  message(FATAL_ERROR "pkg-config consumer printed: ${OUT}")
endif()

# 2. find_package(tally)
check(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/install" -B "${WORK_DIR}/cm"
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_C_COMPILER=${C_COMPILER}
    "-DCMAKE_C_FLAGS=${SANITIZE}" "-DCMAKE_EXE_LINKER_FLAGS=${SANITIZE}")
check(${CMAKE_COMMAND} --build "${WORK_DIR}/cm")
check("${WORK_DIR}/cm/consumer" "${SOURCE_DIR}/tests/data/defs/defs.sarif")
if(NOT OUT MATCHES "unique 13")
  message(FATAL_ERROR "find_package consumer printed: ${OUT}")
endif()
message(STATUS "installed tally builds and runs both ways")
