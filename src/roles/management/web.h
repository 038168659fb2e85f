#pragma once
// The dashboard (web/, docs/DASHBOARD.md), public like /docs: the pages need a login, the files
// do not.
//   GET /            web/index.html, with <base href> set to where smsd is mounted: "/", or the
//                    gateway's X-Forwarded-Prefix ("/server-management/"), so that every relative
//                    URL of the page (its files, the API) resolves under that prefix, with or
//                    without a trailing slash in the address bar
//   GET /ui/{file}   the page's other files (ES modules, CSS, icons)
// Every file is compiled into smsd (web.cmake); nothing is read from disk at run time. A strict
// Content-Security-Policy goes with every response: scripts and styles from this origin only
// (no inline script or style), requests to this origin only, no framing. Immutable after
// registration: thread-safe.

#include <span>

#include "http/router.h"
#include "roles/management/docs.h"

namespace sms::management {

// The policy sent with the dashboard's responses.
inline constexpr const char* kDashboardPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

// Adds the two routes above, serving EmbeddedWebFiles().
void RegisterWeb(http::Router& router);

// Same, serving `files` (which must outlive the router), for tests.
void RegisterWeb(http::Router& router, std::span<const EmbeddedFile> files);

}  // namespace sms::management
