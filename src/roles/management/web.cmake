# The dashboard's files (web/*: html, css, js, svg) compiled into smsd for GET / and /ui/{file}
# (roles/management/web.h), by the same generator as the /docs files. Included by
# src/roles/CMakeLists.txt after sms_roles is defined.

file(GLOB _sms_web_paths CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/web/*.html"
     "${CMAKE_SOURCE_DIR}/web/*.css" "${CMAKE_SOURCE_DIR}/web/*.js" "${CMAKE_SOURCE_DIR}/web/*.svg")
list(SORT _sms_web_paths)
set(_sms_web_files "")
foreach(_path IN LISTS _sms_web_paths)
  get_filename_component(_name "${_path}" NAME)
  list(APPEND _sms_web_files "${_name}=${_path}")
endforeach()
string(JOIN "|" _sms_web_arg ${_sms_web_files})
set(_sms_web_cc "${CMAKE_CURRENT_BINARY_DIR}/web_files.cc")
add_custom_command(
  OUTPUT "${_sms_web_cc}"
  COMMAND "${CMAKE_COMMAND}" "-DOUT=${_sms_web_cc}" "-DFILES=${_sms_web_arg}"
          -DFUNC=EmbeddedWebFiles -DSYMBOL=sms_web
          -P "${CMAKE_CURRENT_LIST_DIR}/docs_embed.cmake"
  DEPENDS "${CMAKE_CURRENT_LIST_DIR}/docs_embed.cmake" ${_sms_web_paths}
  COMMENT "Embedding the dashboard's files"
  VERBATIM)
target_sources(sms_roles PRIVATE "${_sms_web_cc}")

sms_test(web_test ${CMAKE_CURRENT_LIST_DIR}/web_test.cc LIBS sms_roles)
