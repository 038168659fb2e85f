"""Who may call what, on a real smsd: every route x {no token, bad token, viewer, operator,
admin, a read-only API token} gets exactly what the role -> scope table says; first-start
rules; and no secret ends up in clear in the data dir, the database or the logs."""
import base64
import glob
import json
import os
import shutil
import socket
import subprocess

import pytest

from conftest import (ADMIN_PASSWORD, SMSD, Smsd, embedded_env, login, send, wait_for)

# The role -> scope table as the API documents it (docs/openapi.yaml, src/auth/scopes.cc).
ROLE_SCOPES = {
    "viewer": {"servers:read", "reports:read", "tokens:manage", "alerts:read"},
    "operator": {"servers:read", "servers:write", "servers:import", "servers:export",
                 "reports:read", "reports:send", "tokens:manage", "alerts:read", "alerts:write"},
    "admin": {"servers:read", "servers:write", "servers:import", "servers:export",
              "reports:read", "reports:send", "tokens:manage", "users:admin", "alerts:read",
              "alerts:write"},
}


def routes():
    out = subprocess.run([SMSD, "routes"], check=True, capture_output=True, text=True).stdout
    return [tuple(line.split()) for line in out.splitlines()]


def concrete(pattern):
    """The pattern with every {param} replaced by an id that names nothing."""
    parts = pattern.split("/")
    return "/".join("matrix-none" if p.startswith("{") else p for p in parts)


def create_user(smsd, name, role):
    s, body, _ = smsd.request("POST", "/api/v1/users",
                              {"username": name, "password": name + " password", "role": role})
    assert s == 201, body


def test_every_route_answers_each_credential_as_the_scope_table_says(smsd):
    for role in ("viewer", "operator"):
        create_user(smsd, role + "-1", role)
    tokens = {"admin": smsd.auth_header()["Authorization"][len("Bearer "):]}
    for role in ("viewer", "operator"):
        tokens[role] = login(smsd.port, role + "-1", role + "-1 password")
    s, created, _ = smsd.request("POST", "/api/v1/tokens",
                                 {"name": "matrix", "scopes": ["servers:read"]})
    assert s == 201, created
    credentials = {"none": None, "bad": "not-a-valid-token", "api_token": created["token"],
                   **tokens}
    held = dict(ROLE_SCOPES, api_token={"servers:read"})
    checked = 0
    for method, pattern, access in routes():
        if access in ("public", "agent") or pattern.startswith("/docs"):
            continue
        path = concrete(pattern)
        for who, token in credentials.items():
            if pattern == "/api/v1/auth/logout" and who in tokens:
                token = login(smsd.port, *(("admin", ADMIN_PASSWORD) if who == "admin"
                                           else (who + "-1", who + "-1 password")))
            headers = {"Authorization": "Bearer " + token} if token else {}
            s, body, h = send(smsd.port, method, path, headers=headers)
            where = f"{method} {path} as {who}: {s} {body}"
            if token is None or who == "bad":
                assert s == 401 and body["error"]["code"] == "unauthenticated", where
                assert h.get("WWW-Authenticate", "").startswith("Bearer realm="), where
            elif access == "authenticated" or access in held[who]:
                assert s not in (401, 403), where
            else:
                assert s == 403 and body["error"]["code"] == "permission_denied", where
            checked += 1
    assert checked >= 6 * 20
    # Nothing in the matrix changed anything: no server, no new user.
    assert smsd.get("/api/v1/stats")[1]["total"] == 0
    assert smsd.get("/api/v1/users")[1]["total"] == 3


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_forged_and_altered_tokens_are_refused(smsd):
    create_user(smsd, "vera", "viewer")
    token = login(smsd.port, "vera", "vera password")
    header, payload, signature = token.split(".")
    claims = json.loads(unb64(payload))
    assert claims["sub"] == "vera" and claims["role"] == "viewer" and claims["jti"]
    admin_claims = b64(json.dumps(dict(claims, role="admin", scope="users:admin")).encode())
    forged = {
        "alg none": b64(b'{"alg":"none","typ":"JWT"}') + "." + payload + ".",
        "alg HS512": b64(b'{"alg":"HS512","typ":"JWT"}') + "." + payload + "." + signature,
        "claim changed": header + "." + admin_claims + "." + signature,
        "signature changed": (header + "." + payload + "."
                              + ("B" if signature[0] == "A" else "A") + signature[1:]),
        "expired": header + "." + b64(json.dumps(dict(claims, exp=1)).encode()) + "." + signature,
    }
    for what, t in forged.items():
        s, body, h = send(smsd.port, "GET", "/api/v1/servers",
                          headers={"Authorization": "Bearer " + t})
        assert s == 401 and 'error="invalid_token"' in h.get("WWW-Authenticate", ""), what
        assert t not in json.dumps(body), what  # the refusal never quotes the token
    assert send(smsd.port, "GET", "/api/v1/users",
                headers={"Authorization": "Bearer " + token})[0] == 403
    assert send(smsd.port, "GET", "/api/v1/servers",
                headers={"Authorization": "Bearer " + token})[0] == 200


def test_public_routes_need_no_token(smsd):
    for method, pattern, access in routes():
        if access == "public" and method == "GET" and "{" not in pattern:
            s, body, _ = send(smsd.port, method, pattern)
            assert s not in (401, 403), (pattern, s, body)


def test_an_unauthenticated_upload_is_refused_before_its_body_is_read(smsd):
    conn = socket.create_connection(("127.0.0.1", smsd.port), timeout=10)
    conn.sendall(b"POST /api/v1/servers/import HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Type: multipart/form-data; boundary=b\r\n"
                 b"Content-Length: 9000000\r\n\r\n")  # and no body: none is waited for
    answer = conn.recv(65536).decode(errors="replace")
    conn.close()
    assert answer.startswith("HTTP/1.1 401 "), answer
    assert "WWW-Authenticate: Bearer" in answer


def bad_logins_then_good(port, count, forwarded_for, good_from):
    for i in range(count):
        s, _, _ = send(port, "POST", "/api/v1/auth/login",
                       {"username": f"nobody-{i}", "password": "wrong password!"},
                       headers={"X-Forwarded-For": forwarded_for})
        assert s == 401
    return send(port, "POST", "/api/v1/auth/login",
                {"username": "admin", "password": ADMIN_PASSWORD},
                headers={"X-Forwarded-For": good_from})


def test_logins_are_throttled_per_client_behind_a_trusted_gateway(data_dir):
    smsd = Smsd(data_dir, "--trusted-proxies", "127.0.0.1", env=embedded_env()).start()
    try:
        # 20 failures from one client lock that client out, not the others behind the gateway.
        s, body, h = bad_logins_then_good(smsd.port, 20, "203.0.113.9", "203.0.113.9")
        assert s == 429 and int(h["Retry-After"]) > 0, body
        s, body, _ = bad_logins_then_good(smsd.port, 0, "", "198.51.100.7")
        assert s == 200, body
        assert any("203.0.113.9" in line for line in smsd.log)  # the audit line names it
    finally:
        smsd.kill()


def test_a_forwarded_for_header_from_an_untrusted_peer_changes_nothing(smsd):
    s, body, _ = bad_logins_then_good(smsd.port, 20, "203.0.113.9", "198.51.100.7")
    assert s == 429, body  # every attempt came from 127.0.0.1, whatever the header said


def test_first_start_without_an_admin_generates_one_readable_by_the_owner_only(data_dir):
    env = {k: v for k, v in embedded_env().items() if not k.startswith("SMS_ADMIN")}
    smsd = Smsd(data_dir, env=env).start()
    try:
        path = os.path.join(data_dir, "initial-admin-password")
        assert os.stat(path).st_mode & 0o777 == 0o600
        assert os.stat(os.path.join(data_dir, "jwt-secret")).st_mode & 0o777 == 0o600
        password = open(path).read().strip()
        assert any(path in line for line in smsd.log)
        assert not any(password in line for line in smsd.log)
        token = login(smsd.port, "admin", password)
        s, me, _ = send(smsd.port, "GET", "/api/v1/auth/me",
                        headers={"Authorization": "Bearer " + token})
        assert s == 200 and me["role"] == "admin"
    finally:
        smsd.kill()
    # A restart keeps the secret (the login still holds) and creates nobody.
    smsd = Smsd(data_dir, env=env).start()
    try:
        s, _, _ = send(smsd.port, "GET", "/api/v1/auth/me",
                       headers={"Authorization": "Bearer " + token})
        assert s == 200
    finally:
        smsd.kill()


def test_set_password_is_the_way_back_in(smsd, data_dir):
    token = login(smsd.port)

    def set_password(user, password):
        return subprocess.run([SMSD, "set-password", user, "--data-dir", data_dir],
                              input=password + "\n", capture_output=True, text=True,
                              env=embedded_env(), timeout=60)

    done = set_password("admin", "the recovered password")
    assert done.returncode == 0 and "sessions ended" in done.stdout, done
    assert "the recovered password" not in done.stdout + done.stderr
    s, _, _ = send(smsd.port, "GET", "/api/v1/auth/me",
                   headers={"Authorization": "Bearer " + token})
    assert s == 401  # the running smsd sees it at once
    login(smsd.port, "admin", "the recovered password")
    assert send(smsd.port, "POST", "/api/v1/auth/login",
                {"username": "admin", "password": ADMIN_PASSWORD})[0] == 401
    # An absent user is created as an admin; a short password changes nothing.
    assert set_password("rescue", "rescue password!").returncode == 0
    assert login(smsd.port, "rescue", "rescue password!")
    short = set_password("rescue", "short")
    assert short.returncode == 1 and "12 to 1024" in short.stderr
    login(smsd.port, "rescue", "rescue password!")


@pytest.mark.parametrize("secret, message", [("short", "at least 32 bytes"),
                                             ("", "needs a JWT signing secret")])
def test_management_refuses_to_start_without_a_good_jwt_secret(data_dir, secret, message):
    env = dict(embedded_env(), SMS_JWT_SECRET=secret) if secret else embedded_env()
    proc = subprocess.run([SMSD, "management", "--kafka-brokers", "127.0.0.1:1",
                           "--data-dir", data_dir, "--listen", "127.0.0.1:0"],
                          env=env, capture_output=True, text=True, timeout=60)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert message in out and (not secret or secret not in out.replace(message, ""))
    assert len([line for line in out.splitlines() if "critical" in line]) == 1, out


def token_secret(token):
    """The secret of "sms_<12 hex>_<secret>" (the secret itself may hold '_')."""
    assert token.startswith("sms_") and token[16] == "_", token
    return token[17:]


def scan(blobs, secrets):
    """The (secret name, place) pairs where a secret shows in clear."""
    return [(name, where) for where, data in blobs.items() for name, value in secrets.items()
            if value.encode() in data]


def test_no_secret_at_rest_or_in_logs_after_a_full_scenario(data_dir):
    jwt_secret = "jwt-secret-" + "k" * 40
    log_file = os.path.join(data_dir, "logs", "smsd.log")
    env = dict(embedded_env(), SMS_JWT_SECRET=jwt_secret)
    smsd = Smsd(data_dir, "--log-level", "trace", "--log-file", log_file, env=env).start()
    try:
        create_user(smsd, "otto", "operator")
        operator = login(smsd.port, "otto", "otto password")
        auth = {"Authorization": "Bearer " + operator}
        s, token, _ = send(smsd.port, "POST", "/api/v1/tokens",
                           {"name": "ci", "scopes": ["servers:read", "servers:write"]},
                           headers=auth)
        assert s == 201
        api = {"Authorization": "Bearer " + token["token"]}
        assert send(smsd.port, "POST", "/api/v1/servers",
                    {"server_id": "s-1", "server_name": "S 1"}, headers=api)[0] == 201
        assert send(smsd.port, "POST", "/healthcheck", {"server_id": "s-1"})[0] == 202
        # Failed logins with a password-like guess, a wrong token.
        send(smsd.port, "POST", "/api/v1/auth/login",
             {"username": "otto", "password": "guess-otto-password-1"})
        send(smsd.port, "GET", "/api/v1/servers", headers={"Authorization": "Bearer " +
                                                          token["token"][:-4] + "AAAA"})
        s, _, _ = smsd.request("PATCH", "/api/v1/users/otto", {"password": "otto changed pw"})
        assert s == 200
        assert send(smsd.port, "POST", "/api/v1/auth/logout", headers=auth)[0] in (204, 401)
        wait_for(lambda: smsd.server("s-1")["status"] == "on", 10, what="heartbeat applied")
    finally:
        smsd.stop()
    secrets = {
        "admin password": ADMIN_PASSWORD, "user password": "otto password",
        "changed password": "otto changed pw", "guessed password": "guess-otto-password-1",
        "jwt secret": jwt_secret, "api token": token["token"],
        "api token secret": token_secret(token["token"]), "login token": operator,
    }
    blobs = {"stdout": "".join(smsd.log).encode()}
    for path in glob.glob(os.path.join(data_dir, "**"), recursive=True):
        if os.path.isfile(path):
            blobs[path] = open(path, "rb").read()
    assert any(b"$argon2id$" in data for data in blobs.values()), "the scan must see the db"
    assert os.path.getsize(log_file) > 0
    assert scan(blobs, secrets) == []


@pytest.mark.skipif(not shutil.which("pg_dump") or not os.environ.get("SMS_DATABASE_URL"),
                    reason="PostgreSQL engine not started (scripts/services)")
def test_no_secret_in_the_postgresql_database():
    from cluster import Cluster
    c = Cluster(healthchecks=1, workers=1, mails=0)
    try:
        s, body, _ = c.request("POST", "/api/v1/users", {"username": "pg-user",
                                                          "password": "pg user password",
                                                          "role": "viewer"})
        assert s == 201, body
        s, token, _ = c.request("POST", "/api/v1/tokens", {"name": "t", "scopes": ["servers:read"]})
        assert s == 201, token
        dump = subprocess.run(["pg_dump", c.env["SMS_DATABASE_URL"]], check=True,
                              capture_output=True).stdout
        assert b"$argon2id$" in dump
        secrets = {"admin password": ADMIN_PASSWORD, "user password": "pg user password",
                   "api token secret": token_secret(token["token"]),
                   "jwt secret": c.env["SMS_JWT_SECRET"], "login token": c.management.token}
        assert scan({"pg_dump": dump}, secrets) == []
    finally:
        c.kill()
