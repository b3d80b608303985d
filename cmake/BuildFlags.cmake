# Flags every tally target shares, carried by an INTERFACE target rather
# than directory-scope options. Warnings live in CMakePresets.json.
include(CheckCSourceCompiles)

add_library(tally_build_flags INTERFACE)
target_compile_definitions(tally_build_flags INTERFACE _GNU_SOURCE)
if(TALLY_DEBUG)
  target_compile_definitions(tally_build_flags INTERFACE TALLY_DEBUG=1)
endif()

# Sanitizers: each one asked for is probed (compile and link) before use, as
# are the sub-options, so an unsupported one fails the configure step with a
# clear message instead of a confusing link error later.
if(TALLY_SANITIZE)
  set(_san_flags "")
  foreach(_san IN LISTS TALLY_SANITIZE)
    set(CMAKE_REQUIRED_FLAGS "-fsanitize=${_san}")
    set(CMAKE_REQUIRED_LINK_OPTIONS "-fsanitize=${_san}")
    string(MAKE_C_IDENTIFIER "TALLY_HAS_SAN_${_san}" _var)
    check_c_source_compiles("int main(void) { return 0; }" ${_var})
    if(NOT ${_var})
      message(FATAL_ERROR "the compiler cannot build with -fsanitize=${_san}")
    endif()
    list(APPEND _san_flags "-fsanitize=${_san}")
  endforeach()
  set(CMAKE_REQUIRED_FLAGS "${_san_flags};-fno-sanitize-recover=all")
  string(REPLACE ";" " " CMAKE_REQUIRED_FLAGS "${CMAKE_REQUIRED_FLAGS}")
  set(CMAKE_REQUIRED_LINK_OPTIONS ${_san_flags})
  check_c_source_compiles("int main(void) { return 0; }" TALLY_HAS_SAN_NO_RECOVER)
  unset(CMAKE_REQUIRED_FLAGS)
  unset(CMAKE_REQUIRED_LINK_OPTIONS)
  target_compile_options(tally_build_flags INTERFACE ${_san_flags}
      -fno-omit-frame-pointer)
  if(TALLY_HAS_SAN_NO_RECOVER)
    target_compile_options(tally_build_flags INTERFACE -fno-sanitize-recover=all)
  endif()
  target_link_options(tally_build_flags INTERFACE ${_san_flags})
endif()

# Shared libraries export tally_* only; the internal tallyi_/tallyk_ modules
# linked into both libraries stay private to each.
function(tally_export_only_public target)
  target_link_options(${target} PRIVATE
      "LINKER:--version-script=${PROJECT_SOURCE_DIR}/cmake/tally.map")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS
      "${PROJECT_SOURCE_DIR}/cmake/tally.map")
endfunction()

# Fuzz builds: coverage instrumentation for everything; only the fuzz
# target itself links libFuzzer's main (-fsanitize=fuzzer).
if(TALLY_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TALLY_FUZZ needs clang (use the fuzz preset)")
  endif()
  target_compile_options(tally_build_flags INTERFACE -fsanitize=fuzzer-no-link)
endif()
