#include "roles/management/web.h"

#include "roles/management/web_session.h"

namespace sms::management {
namespace {

constexpr std::string_view kIndex = "index.html";
constexpr std::string_view kBaseMark = "<base href=\"/\">";

const EmbeddedFile* Find(std::span<const EmbeddedFile> files, std::string_view name) {
  for (const EmbeddedFile& f : files) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

void Harden(http::Response& r) {
  r.headers.emplace_back("Content-Security-Policy", kDashboardPolicy);
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Frame-Options", "DENY");
}

// index.html with its <base href="/"> pointing at the mount (CookiePath, the same rule as the
// session cookie's Path); the ETag tells the two variants apart.
http::Response Index(const EmbeddedFile& index, const http::Request& req) {
  std::string base = CookiePath(req);
  if (base.back() != '/') base += '/';
  std::string page(index.content);
  size_t at = page.find(kBaseMark);
  if (at != std::string::npos) page.replace(at, kBaseMark.size(), "<base href=\"" + base + "\">");
  std::string version(index.sha256.substr(0, 16));
  version += ShortDigest(base);
  http::Response r = ServeEmbedded(req, EmbeddedContentType(index.name), page, version, "no-cache");
  Harden(r);
  return r;
}

}  // namespace

void RegisterWeb(http::Router& router) { RegisterWeb(router, EmbeddedWebFiles()); }

void RegisterWeb(http::Router& router, std::span<const EmbeddedFile> files) {
  const std::string kPublicAccess(http::kPublic);
  router.Add("GET", "/", kPublicAccess, [files](http::Request& req) {
    const EmbeddedFile* index = Find(files, kIndex);
    if (index == nullptr) {
      return http::ErrorResponse(404, "not_found", "this smsd was built without the dashboard");
    }
    return Index(*index, req);
  });
  router.Add("GET", "/ui/{file}", kPublicAccess, [files](http::Request& req) {
    const EmbeddedFile* f = Find(files, req.params.at("file"));
    if (f == nullptr || f->name == kIndex) {
      return http::ErrorResponse(404, "not_found", "no such dashboard file", "file");
    }
    // Revalidated each time (a 304 when unchanged): the modules import each other by plain
    // relative URLs, so no URL names a version that could be kept for good.
    http::Response r =
        ServeEmbedded(req, EmbeddedContentType(f->name), f->content, f->sha256, "no-cache");
    Harden(r);
    return r;
  });
}

}  // namespace sms::management
