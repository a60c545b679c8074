# Compiler flags, sanitizers and the small helpers every folder uses to declare its library,
# executables and tests. Generated code (protobuf) gets no -Werror: see proto/CMakeLists.txt.

set(ENLACE_WARNINGS -Wall -Wextra -Wno-unused-parameter)
if(ENLACE_WERROR)
  list(APPEND ENLACE_WARNINGS -Werror)
endif()

if(ENLACE_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(ENLACE_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
  # Tells TSan what Debian's uninstrumented absl::Mutex/CondVar/Notification and gRPC's completion
  # queue do (see the files); linked into every executable so that it interposes over the
  # libraries' functions.
  add_library(enlace_tsan_absl OBJECT ${CMAKE_CURRENT_LIST_DIR}/../tests/sanitizers/absl_tsan.cc
    ${CMAKE_CURRENT_LIST_DIR}/../tests/sanitizers/grpc_tsan.cc)
  target_link_libraries(enlace_tsan_absl PUBLIC absl::synchronization ${CMAKE_DL_LIBS})
  target_compile_definitions(enlace_tsan_absl PRIVATE
    ENLACE_TSAN_SUPPRESSIONS="${PROJECT_SOURCE_DIR}/tests/sanitizers/tsan.supp")
elseif(NOT ENLACE_SANITIZE STREQUAL "")
  message(FATAL_ERROR "ENLACE_SANITIZE must be '', 'address' or 'thread', not '${ENLACE_SANITIZE}'")
endif()

if(ENLACE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "ENLACE_FUZZ needs clang: configure with -DCMAKE_CXX_COMPILER=clang++-14")
  endif()
  # Coverage instrumentation for everything the fuzz targets link; libFuzzer's main only for them.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# What every executable of a sanitized build links besides its own dependencies.
function(_enlace_sanitizer_support name)
  if(ENLACE_SANITIZE STREQUAL "thread")
    target_link_libraries(${name} PRIVATE enlace_tsan_absl)
  endif()
endfunction()

# enlace_library(NAME SOURCES ... DEPS ...): the folder's one library.
function(enlace_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${ENLACE_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# enlace_executable(NAME SOURCES ... DEPS ...): a thin main, written to build/bin/.
function(enlace_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${ENLACE_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  _enlace_sanitizer_support(${name})
endfunction()

# enlace_test(NAME SOURCES ... DEPS ... [LABELS unit|integration|slow ...]):
# a GoogleTest binary whose cases ctest discovers one by one. "unit" tests need no network and
# run again under the sanitizers in CI; "integration" tests start real hubs and nodes.
function(enlace_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${ENLACE_WARNINGS})
  target_compile_definitions(${name} PRIVATE
    ENLACE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    ENLACE_BINARY_DIR="${PROJECT_BINARY_DIR}"
    ENLACE_TESTVECTORS_DIR="${ENLACE_TESTVECTORS_DIR}")
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} enlace_testing GTest::gmock GTest::gtest_main)
  _enlace_sanitizer_support(${name})
  gtest_discover_tests(${name}
    PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
    DISCOVERY_TIMEOUT 60)
  if("unit" IN_LIST ARG_LABELS)
    set_property(GLOBAL APPEND PROPERTY ENLACE_UNIT_TESTS ${name})
  endif()
endfunction()

# enlace_fuzzer(NAME SOURCES ... DEPS ...): a libFuzzer target, only with ENLACE_FUZZ.
function(enlace_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT ENLACE_FUZZ)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${ENLACE_WARNINGS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
endfunction()

# enlace_benchmark(NAME SOURCES ... DEPS ...): a Google Benchmark program (only with ENLACE_BENCH).
function(enlace_benchmark name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${ENLACE_WARNINGS})
  target_compile_definitions(${name} PRIVATE ENLACE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark)
  _enlace_sanitizer_support(${name})
endfunction()
