# Files compiled into smsd for GET /api/v1/openapi.yaml and /docs (roles/management/docs.h):
# docs/openapi.yaml, the page's start-up script, and the Swagger UI files found in
# SMS_SWAGGER_UI_DIR (scripts/fetch-swagger-ui puts them there). Included by
# src/roles/CMakeLists.txt after sms_roles is defined.

set(SMS_SWAGGER_UI_DIR "" CACHE PATH
    "Directory with swagger-ui-dist's files for /docs (empty: where scripts/fetch-swagger-ui puts them)")

set(_sms_swagger_dir "${SMS_SWAGGER_UI_DIR}")
if(_sms_swagger_dir STREQUAL "")
  execute_process(COMMAND bash "${CMAKE_SOURCE_DIR}/scripts/fetch-swagger-ui" --print-dir
                  OUTPUT_VARIABLE _sms_swagger_dir OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _sms_rc)
  if(NOT _sms_rc EQUAL 0)
    set(_sms_swagger_dir "")
  endif()
endif()

# The same names as FILES in scripts/fetch-swagger-ui; the first two are required for /docs.
set(_sms_swagger_names swagger-ui.css swagger-ui-bundle.js favicon-32x32.png favicon-16x16.png
    LICENSE NOTICE swagger-ui-bundle.js.LICENSE.txt)
set(_sms_swagger_found "")
if(NOT _sms_swagger_dir STREQUAL "")
  get_filename_component(_sms_swagger_dir "${_sms_swagger_dir}" ABSOLUTE)
  list(TRANSFORM _sms_swagger_names PREPEND "${_sms_swagger_dir}/" OUTPUT_VARIABLE _sms_globs)
  # CONFIGURE_DEPENDS: files fetched after this configure make the next build configure again
  # and embed them.
  file(GLOB _sms_swagger_found CONFIGURE_DEPENDS ${_sms_globs})
endif()

set(_sms_docs_files "openapi.yaml=${CMAKE_SOURCE_DIR}/docs/openapi.yaml"
    "docs.js=${CMAKE_CURRENT_LIST_DIR}/docs.js")
set(_sms_docs_paths "${CMAKE_SOURCE_DIR}/docs/openapi.yaml" "${CMAKE_CURRENT_LIST_DIR}/docs.js")
set(_sms_have_required TRUE)
foreach(_name IN LISTS _sms_swagger_names)
  set(_path "${_sms_swagger_dir}/${_name}")
  if(NOT _sms_swagger_dir STREQUAL "" AND EXISTS "${_path}")
    list(APPEND _sms_docs_files "${_name}=${_path}")
    list(APPEND _sms_docs_paths "${_path}")
  elseif(_name MATCHES "^swagger-ui(-bundle\\.js|\\.css)$")
    set(_sms_have_required FALSE)
  endif()
endforeach()
if(_sms_have_required)
  message(STATUS "Swagger UI for /docs: ${_sms_swagger_dir}")
else()
  message(STATUS "Swagger UI for /docs: not found in '${_sms_swagger_dir}' "
                 "(run scripts/fetch-swagger-ui); /docs will answer 503")
endif()

string(JOIN "|" _sms_docs_arg ${_sms_docs_files})
set(_sms_docs_cc "${CMAKE_CURRENT_BINARY_DIR}/docs_files.cc")
add_custom_command(
  OUTPUT "${_sms_docs_cc}"
  COMMAND "${CMAKE_COMMAND}" "-DOUT=${_sms_docs_cc}" "-DFILES=${_sms_docs_arg}"
          -P "${CMAKE_CURRENT_LIST_DIR}/docs_embed.cmake"
  DEPENDS "${CMAKE_CURRENT_LIST_DIR}/docs_embed.cmake" ${_sms_docs_paths}
  COMMENT "Embedding the API description and the Swagger UI files"
  VERBATIM)
target_sources(sms_roles PRIVATE "${_sms_docs_cc}")

sms_test(docs_test ${CMAKE_CURRENT_LIST_DIR}/docs_test.cc LIBS sms_roles)
if(SMS_TESTS)
  target_compile_definitions(docs_test PRIVATE
                             SMS_OPENAPI_YAML="${CMAKE_SOURCE_DIR}/docs/openapi.yaml")
endif()
