#include "roles/management/docs.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>

namespace sms::management {
namespace {

constexpr std::string_view kSpecName = "openapi.yaml";
constexpr std::string_view kInitName = "docs.js";  // our own start-up script for the page

constexpr std::array<std::string_view, 2> kRequired = {"swagger-ui.css", "swagger-ui-bundle.js"};
// Every file of swagger-ui-dist the build may embed (docs.cmake): /docs/{file} answers 503 for
// these when they are missing, 404 for any other unknown name.
constexpr std::array<std::string_view, 7> kSwaggerFiles = {"swagger-ui.css",
                                                           "swagger-ui-bundle.js",
                                                           "favicon-32x32.png",
                                                           "favicon-16x16.png",
                                                           "LICENSE",
                                                           "NOTICE",
                                                           "swagger-ui-bundle.js.LICENSE.txt"};

// The page loads its files with ?v=<this many hex digits of their digest>; such a request may
// be cached for good, since another version of the file has another URL.
constexpr size_t kVersionDigits = 12;
constexpr const char* kForever = "public, max-age=31536000, immutable";
// The page's own rules: scripts only from this origin (so no inline script), the inline styles
// and data: images Swagger UI uses, requests only to this origin, no framing.
constexpr const char* kPagePolicy =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string ContentType(std::string_view name) {
  if (EndsWith(name, ".yaml")) return "application/yaml";
  if (EndsWith(name, ".svg")) return "image/svg+xml";
  if (EndsWith(name, ".css")) return "text/css; charset=utf-8";
  if (EndsWith(name, ".js")) return "text/javascript; charset=utf-8";
  if (EndsWith(name, ".png")) return "image/png";
  if (EndsWith(name, ".html")) return "text/html; charset=utf-8";
  return "text/plain; charset=utf-8";  // LICENSE, NOTICE, *.txt
}

// Built by appending: GCC 12 at -O3 warns (-Wrestrict, a false positive) on "\"" + string.
std::string Etag(std::string_view sha256) {
  std::string tag = "\"";
  tag.append(sha256.substr(0, 32));
  tag += '"';
  return tag;
}

const EmbeddedFile* FindFile(std::span<const EmbeddedFile> files, std::string_view name) {
  for (const EmbeddedFile& f : files) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

bool SwaggerAvailable(std::span<const EmbeddedFile> files) {
  return std::all_of(kRequired.begin(), kRequired.end(),
                     [&](std::string_view name) { return FindFile(files, name) != nullptr; });
}

http::Response Unavailable() {
  return http::ErrorResponse(
      503, "docs_unavailable",
      "this smsd was built without the Swagger UI files: run scripts/fetch-swagger-ui (or "
      "scripts/install-deps), then build again; the API description is at /api/v1/openapi.yaml");
}

// `content` with its validators, or 304 when the client holds this version already.
http::Response Serve(const http::Request& req, std::string content_type, std::string_view body,
                     std::string_view sha256, const char* cache_control) {
  http::Response res;
  res.content_type = std::move(content_type);
  std::string etag = Etag(sha256);
  if (EtagMatches(req.Header("if-none-match"), etag)) {
    res.status = 304;
  } else {
    res.body.assign(body);
  }
  res.headers.emplace_back("ETag", std::move(etag));
  res.headers.emplace_back("Cache-Control", cache_control);
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return res;
}

// "docs/<name>?v=<version>" (relative, so that the page works under a gateway's path prefix).
std::string AssetUrl(const EmbeddedFile& f) {
  return "docs/" + std::string(f.name) + "?v=" + std::string(f.sha256.substr(0, kVersionDigits));
}

// The /docs page; REQUIRES: SwaggerAvailable(files).
std::string Page(std::span<const EmbeddedFile> files) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>SMS API</title>\n";
  html +=
      "<link rel=\"stylesheet\" href=\"" + AssetUrl(*FindFile(files, "swagger-ui.css")) + "\">\n";
  for (std::string_view size : {"32x32", "16x16"}) {
    const EmbeddedFile* icon = FindFile(files, "favicon-" + std::string(size) + ".png");
    if (icon == nullptr) continue;
    html += "<link rel=\"icon\" type=\"image/png\" href=\"" + AssetUrl(*icon) + "\" sizes=\"" +
            std::string(size) + "\">\n";
  }
  html += "</head>\n<body>\n<div id=\"swagger-ui\"></div>\n";
  html += "<script src=\"" + AssetUrl(*FindFile(files, "swagger-ui-bundle.js")) + "\"></script>\n";
  if (const EmbeddedFile* init = FindFile(files, kInitName)) {
    html += "<script src=\"" + AssetUrl(*init) + "\"></script>\n";
  }
  html += "</body>\n</html>\n";
  return html;
}

}  // namespace

// FNV-1a, 64 bits, in hex: /docs' page changes with its text, which names the version of
// every file it loads.
std::string ShortDigest(std::string_view page) {
  uint64_t h = 14695981039346656037ull;
  for (char c : page) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<size_t>(i)] = kHex[h & 0xF];
  return out;
}

namespace {

http::Response DocsPage(std::span<const EmbeddedFile> files, const std::string& page,
                        const std::string& version, const http::Request& req) {
  if (!SwaggerAvailable(files)) return Unavailable();
  http::Response res = Serve(req, ContentType(".html"), page, version, "no-cache");
  res.headers.emplace_back("Content-Security-Policy", kPagePolicy);
  res.headers.emplace_back("Referrer-Policy", "no-referrer");
  return res;
}

http::Response DocsFile(std::span<const EmbeddedFile> files, const http::Request& req) {
  const std::string& name = req.params.at("file");
  const EmbeddedFile* f = name == kSpecName ? nullptr : FindFile(files, name);
  if (f == nullptr) {
    bool swagger =
        std::find(kSwaggerFiles.begin(), kSwaggerFiles.end(), name) != kSwaggerFiles.end();
    if (swagger) return Unavailable();
    return http::ErrorResponse(404, "not_found", "no such documentation file", "file");
  }
  // Only the URL the page uses, with this very version, may be kept for good.
  auto v = req.query.find("v");
  bool versioned = v != req.query.end() && v->second == f->sha256.substr(0, kVersionDigits);
  return Serve(req, ContentType(f->name), f->content, f->sha256, versioned ? kForever : "no-cache");
}

}  // namespace

std::span<const std::string_view> RequiredSwaggerFiles() { return kRequired; }

http::Response ServeEmbedded(const http::Request& req, std::string content_type,
                             std::string_view body, std::string_view sha256,
                             const char* cache_control) {
  return Serve(req, std::move(content_type), body, sha256, cache_control);
}

std::string EmbeddedContentType(std::string_view name) { return ContentType(name); }

bool EtagMatches(std::string_view if_none_match, std::string_view etag) {
  size_t start = 0;
  while (start <= if_none_match.size()) {
    size_t comma = if_none_match.find(',', start);
    std::string_view tag = if_none_match.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag == "*") return true;
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (!tag.empty() && tag == etag) return true;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return false;
}

void RegisterDocs(http::Router& router) { RegisterDocs(router, EmbeddedDocFiles()); }

void RegisterDocs(http::Router& router, std::span<const EmbeddedFile> files) {
  const std::string kPublicAccess(http::kPublic);
  router.Add("GET", "/api/v1/openapi.yaml", kPublicAccess, [files](http::Request& req) {
    const EmbeddedFile* spec = FindFile(files, kSpecName);
    if (spec == nullptr) return http::ErrorResponse(404, "not_found", "no API description");
    return Serve(req, ContentType(spec->name), spec->content, spec->sha256, "no-cache");
  });
  // Built once: the files never change while the process runs.
  auto page = std::make_shared<const std::string>(SwaggerAvailable(files) ? Page(files) : "");
  auto version = std::make_shared<const std::string>(ShortDigest(*page));
  router.Add("GET", "/docs", kPublicAccess, [files, page, version](http::Request& req) {
    return DocsPage(files, *page, *version, req);
  });
  router.Add("GET", "/docs/{file}", kPublicAccess,
             [files](http::Request& req) { return DocsFile(files, req); });
}

}  // namespace sms::management
