#pragma once
// The identity API (docs/openapi.yaml has the shapes):
//   POST   /api/v1/auth/login   {"username","password"} -> a JWT; 401, or 429 + Retry-After;
//                                with "cookie": true the JWT goes into the session cookie and
//                                the body carries the CSRF token (web_session.h)
//   POST   /api/v1/auth/refresh a new session in place of the caller's (a page in use renews)
//   POST   /api/v1/auth/logout  ends the session of the JWT it is called with
//   GET    /api/v1/auth/me      who the credential stands for
//   POST   /api/v1/auth/password {"current_password","new_password"}: one's own password
//   GET/POST /api/v1/users, GET/PATCH/DELETE /api/v1/users/{username}      (users:admin)
//   GET/POST /api/v1/tokens, DELETE /api/v1/tokens/{token_id}              (tokens:manage)
// Passwords are never returned; an API token's text is shown once, when created. Thread-safe.

#include <memory>

#include "core/clock.h"
#include "core/work_pool.h"
#include "http/router.h"
#include "roles/management/access.h"
#include "store/identity_store.h"

namespace sms::management {

// The routes that hash a password (login, password change, user create and update) run on
// `hashing`; a full pool answers 503 busy.
void RegisterIdentity(http::Router& router, std::shared_ptr<Access> access,
                      store::IdentityStorePtr store, ClockPtr clock,
                      std::shared_ptr<WorkPool> hashing);

}  // namespace sms::management
