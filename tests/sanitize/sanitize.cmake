# Sanitizer build of StyleCam's own code: -DSTYLECAM_SANITIZE=address,undefined (any list that
# -fsanitize= takes). Only the project's targets are instrumented (compile and link flags, through
# stylecam_sanitize() below); LibTorch, OpenCV and the other system libraries stay as Debian built
# them. UBSan findings abort (-fno-sanitize-recover) so that a report fails its test.
#
# Run-time options and suppressions are compiled into every sanitized executable
# (sanitizer_defaults.cpp: __asan_default_options and friends), so that `ctest`, gtest's test
# discovery at build time, a test binary run by hand and the `stylecam` programs the CLI tests
# start all run with the same options; ASAN_OPTIONS/LSAN_OPTIONS/UBSAN_OPTIONS in the environment
# still override them. Included from the top-level CMakeLists.txt before any target is defined.

# The fuzz targets (STYLECAM_FUZZ, tests/fuzz) need the project's code instrumented for the fuzzer.
set(_stylecam_sanitize_default "")
if(STYLECAM_FUZZ)
  set(_stylecam_sanitize_default "fuzzer-no-link,address,undefined")
endif()
set(STYLECAM_SANITIZE "${_stylecam_sanitize_default}" CACHE STRING
    "Sanitizers for StyleCam's own code, e.g. address,undefined (empty: none)")

if(STYLECAM_SANITIZE)
  string(REPLACE ";" "," _stylecam_sanitize_list "${STYLECAM_SANITIZE}")
  message(STATUS "StyleCam: sanitizers ${_stylecam_sanitize_list} on the project's own code "
                 "(LibTorch and OpenCV uninstrumented; no tcmalloc)")
  set(STYLECAM_SANITIZE_FLAGS -fsanitize=${_stylecam_sanitize_list} -fno-omit-frame-pointer)
  if(_stylecam_sanitize_list MATCHES "undefined")
    list(APPEND STYLECAM_SANITIZE_FLAGS -fno-sanitize-recover=undefined)
  endif()
endif()

# Instruments `target` (a project target) when sanitizers are on.
function(stylecam_sanitize target)
  if(STYLECAM_SANITIZE)
    target_compile_options(${target} PRIVATE ${STYLECAM_SANITIZE_FLAGS})
    target_link_options(${target} PUBLIC ${STYLECAM_SANITIZE_FLAGS})
  endif()
endfunction()

# Gives the executable `target` the project's sanitizer run-time options and suppressions.
function(stylecam_sanitizer_defaults target)
  if(STYLECAM_SANITIZE)
    target_sources(${target} PRIVATE "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/sanitizer_defaults.cpp")
    set_source_files_properties("${CMAKE_CURRENT_FUNCTION_LIST_DIR}/sanitizer_defaults.cpp"
        TARGET_DIRECTORY ${target} PROPERTIES
        SKIP_PRECOMPILE_HEADERS ON
        COMPILE_DEFINITIONS "STYLECAM_SANITIZE_DIR=\"${CMAKE_CURRENT_FUNCTION_LIST_DIR}\"")
  endif()
endfunction()
