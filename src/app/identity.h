#pragma once
// Start-up of the management API's identity: the JWT signing secret and the first admin.

#include <istream>
#include <string>

#include "app/config.h"
#include "auth/jwt.h"
#include "core/status.h"
#include "store/identity_store.h"

namespace sms::app {

// The signing key: cfg.jwt_secret (SMS_JWT_SECRET, or the file --jwt-secret-file names, read by
// ParseConfig). `smsd all` with neither generates one into <data-dir>/jwt-secret (mode 0600) and
// reuses it after. InvalidArgument (one line, never quoting the secret) when it is missing or
// shorter than 32 bytes.
Result<auth::Jwt> LoadJwt(const Config& cfg);

// Creates the first admin when the store has no user: SMS_ADMIN_USER / SMS_ADMIN_PASSWORD, or,
// for `smsd all` with neither, user "admin" with a generated password written to
// <data-dir>/initial-admin-password (mode 0600; the log says where, never what). Other roles
// with neither only warn: nobody can log in until an admin exists.
Status BootstrapAdmin(const Config& cfg, store::IdentityStore& store, Millis now);

// `smsd set-password USERNAME [options]`: the way back in when no admin can log in. Sets the
// password (read from `password_in`, one line) of USERNAME, ending its sessions, or creates
// USERNAME as an admin when absent. Talks to the database of `cfg` directly. What it did, or
// an error that never quotes the password.
Result<std::string> SetPassword(const Config& cfg, const std::string& username,
                                std::istream& password_in, Millis now);

}  // namespace sms::app
