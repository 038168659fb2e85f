#pragma once
// The API's description and its browser view, all public:
//   GET /api/v1/openapi.yaml  docs/openapi.yaml as built into smsd (application/yaml)
//   GET /docs                 a Swagger UI page that reads /api/v1/openapi.yaml
//   GET /docs/{file}          the Swagger UI files that page loads
// Every file is compiled into the binary at build time (docs.cmake): nothing is read from disk
// at run time. The Swagger UI files come from swagger-ui-dist (scripts/fetch-swagger-ui); a build
// without them still serves the spec, and /docs answers 503 docs_unavailable saying how to get
// them. Responses carry an ETag (the file's SHA-256) and answer If-None-Match with 304.
// Immutable after registration: thread-safe.

#include <span>
#include <string>
#include <string_view>

#include "http/router.h"

namespace sms::management {

// A file compiled into smsd.
struct EmbeddedFile {
  std::string_view name;     // "openapi.yaml", "swagger-ui.css", …
  std::string_view content;  // the file's bytes
  std::string_view sha256;   // lower-case hex digest of content
};

// The files this build embedded: "openapi.yaml" always, then the Swagger UI files when the
// build found them (SMS_SWAGGER_UI_DIR). Defined in the generated docs_files.cc.
std::span<const EmbeddedFile> EmbeddedDocFiles();

// The dashboard's files (web/*), served by RegisterWeb (web.h). Defined in the generated
// web_files.cc.
std::span<const EmbeddedFile> EmbeddedWebFiles();

// `body` as a response of `content_type` with its ETag (from `sha256`) and `cache_control`, or
// 304 when If-None-Match names that ETag already.
http::Response ServeEmbedded(const http::Request& req, std::string content_type,
                             std::string_view body, std::string_view sha256,
                             const char* cache_control);

// 16 hex digits that change with `text` (FNV-1a, 64 bits; not for security): an ETag part.
std::string ShortDigest(std::string_view text);

// The Content-Type of a file by its name's extension.
std::string EmbeddedContentType(std::string_view name);

// The Swagger UI files the page needs; /docs answers 503 unless all of them are embedded.
std::span<const std::string_view> RequiredSwaggerFiles();

// Adds the three routes above, serving EmbeddedDocFiles().
void RegisterDocs(http::Router& router);

// Same, serving `files` (which must outlive the router): for tests of a build with or without
// the Swagger UI files.
void RegisterDocs(http::Router& router, std::span<const EmbeddedFile> files);

// True when an If-None-Match header value (a list of entity tags, or "*") names `etag` (a quoted
// strong tag); weak tags compare by their opaque part, as RFC 9110 asks for GET.
bool EtagMatches(std::string_view if_none_match, std::string_view etag);

}  // namespace sms::management
