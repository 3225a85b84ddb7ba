# Helpers that give every Tessera target the same warnings and include root.

# tessera_set_warnings(<target>): warnings as errors, for our own code only.
function(tessera_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror
                                           -Wno-unused-parameter
                                           # Designated initializers rely on
                                           # member defaults on purpose.
                                           -Wno-missing-field-initializers)
endfunction()

# tessera_library(<name> SOURCES ... DEPS ...): a static library
# tessera_<name> with the alias tessera::<name>, includes rooted at the repo.
function(tessera_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(tessera_${name} STATIC ${ARG_SOURCES})
  add_library(tessera::${name} ALIAS tessera_${name})
  target_include_directories(tessera_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(tessera_${name} PUBLIC ${ARG_DEPS}
                                        PRIVATE ${ARG_PRIVATE_DEPS})
  tessera_set_warnings(tessera_${name})
endfunction()

# tessera_executable(<name> SOURCES ... DEPS ...)
function(tessera_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  tessera_set_warnings(${name})
endfunction()
