"""Request limits and logging of a real smsd: each limit answers a clear error (or closes) and
changes nothing; JSON log lines parse; responses carry X-Request-Id."""
import json
import os
import socket
import time
import urllib.parse

from conftest import Smsd, embedded_env, wait_for


def deep(n):
    return "[" * n + "]" * n


def test_limits_answer_clear_errors_and_change_nothing(data_dir):
    smsd = Smsd(data_dir, "--max-json-depth", "3", "--max-query-params", "5",
                "--max-query-length", "200", "--max-header-bytes", "2048",
                "--max-connections", "4", "--read-timeout", "1", env=embedded_env()).start()
    try:
        json_headers = {"Content-Type": "application/json"}
        for path in ("/api/v1/servers", "/healthcheck"):
            body = '{"server_id":"deep-1","server_name":"deep-1","x":' + deep(3) + "}"
            s, err, h = smsd.request("POST", path, raw=body.encode(), headers=json_headers)
            assert s == 400 and err["error"]["code"] == "json_too_deep", (path, s, err)
            assert h.get("X-Request-Id")
        s, listing, _ = smsd.get("/api/v1/servers")
        assert s == 200 and listing["total"] == 0

        s, err, _ = smsd.get("/api/v1/servers?" + "&".join(f"p{i}=1" for i in range(6)))
        assert s == 400 and err["error"]["code"] == "too_many_query_parameters"
        s, err, _ = smsd.get("/api/v1/servers?q=" + "x" * 300)
        assert s == 414 and err["error"]["code"] == "uri_too_long"
        s, err, _ = smsd.request("GET", "/api/v1/servers", headers={"X-Filler": "y" * 3000})
        assert s == 431
        assert smsd.get("/api/v1/servers?limit=10&offset=0")[0] == 200

        # Slowloris: half a request, then silence, is cut after --read-timeout.
        slow = socket.create_connection(("127.0.0.1", smsd.port), timeout=10)
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        started = time.time()
        assert slow.recv(1024) == b""
        assert time.time() - started < 5
        slow.close()

        # Four connections held open; a fifth is refused with 503.
        held = [socket.create_connection(("127.0.0.1", smsd.port), timeout=10) for _ in range(4)]
        # Once the server has taken all four in, the next one is answered 503 (a request
        # before that may still get through).
        s, err, _ = wait_for(lambda: (r := smsd.get("/healthz"))[0] == 503 and r, 10,
                             what="a fifth connection refused")
        assert err["error"]["code"] == "unavailable"
        for c in held:
            c.close()
        wait_for(lambda: smsd.get("/healthz")[0] == 200, 5, what="connections released")
    finally:
        smsd.kill()


def read_until_closed(conn, timeout=10):
    """Every byte the server sends on `conn` until it closes it (fails after `timeout`)."""
    conn.settimeout(timeout)
    data = b""
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk


def test_transfer_encoding_cannot_smuggle_a_request_past_a_proxy(data_dir):
    """RFC 9112 6.3: a Transfer-Encoding other than a lone chunked (or with Content-Length, or
    on HTTP/1.0) is one 400 and a closed connection: the heartbeat hidden in its body, which a
    proxy in front framed as part of the first request, never reaches smsd."""
    smsd = Smsd(data_dir, env=embedded_env()).start()
    try:
        beat = b'{"server_id":"smuggled-1"}'
        inner = (b"POST /healthcheck HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n%s" % (len(beat), beat))
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(inner), inner)
        heads = [b"POST /healthcheck HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n",
                 b"POST /healthcheck HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n",
                 b"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n",
                 b"POST /healthcheck HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                 b"Content-Length: 0\r\n",
                 b"POST /healthcheck HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n"
                 b"Transfer-Encoding: chunked\r\n"]
        for head in heads:
            conn = socket.create_connection(("127.0.0.1", smsd.port), timeout=10)
            body = chunked if b"chunked\r\n" in head else inner
            conn.sendall(head + b"\r\n" + body)
            reply = read_until_closed(conn).decode()
            conn.close()
            assert reply.startswith("HTTP/1.1 400 "), (head, reply)
            assert reply.count("HTTP/1.1 ") == 1, (head, reply)  # nothing served after it
            error = json.loads(reply.split("\r\n\r\n", 1)[1])["error"]
            assert error["code"] == "bad_request" and "Transfer-Encoding" in error["message"]
        # A heartbeat sent after them is stored: one smuggled before it would be too.
        assert smsd.request("POST", "/healthcheck", {"server_id": "control-1"})[0] == 202
        wait_for(lambda: smsd.server("control-1"), 10, what="control-1 registered")
        assert smsd.get("/api/v1/servers/smuggled-1")[0] == 404
        assert smsd.get("/api/v1/servers")[1]["total"] == 1
    finally:
        smsd.kill()


def test_json_log_lines_go_to_stdout_and_a_rotating_file_with_request_ids(data_dir):
    log_file = os.path.join(data_dir, "logs", "smsd.log")
    smsd = Smsd(data_dir, "--log-format", "json", "--log-file", log_file,
                "--log-file-size-mb", "1", "--log-file-count", "2", "--log-level", "debug",
                env=embedded_env()).start()
    try:
        s, _, h = smsd.request("POST", "/healthcheck", {"server_id": "log-1\"quoted"},
                               headers={"X-Request-Id": "trace-abc-123"})
        assert h["X-Request-Id"] == "trace-abc-123"
        s, _, h = smsd.get("/api/v1/servers")
        generated = h["X-Request-Id"]
        assert generated and generated != "trace-abc-123"
        wait_for(lambda: any(generated in line for line in smsd.log), 5, what="request logged")
    finally:
        smsd.stop()
    lines = [line for line in smsd.log if line.strip()]
    assert lines
    records = [json.loads(line) for line in lines]  # every stdout line is one JSON object
    assert all({"time", "level", "message"} <= set(r) for r in records)
    messages = [r["message"] for r in records]
    # The gateway's id is kept and logged with the request (a quote in the body is no trouble).
    assert any("POST /healthcheck" in m and "request_id=trace-abc-123" in m for m in messages)
    with open(log_file) as f:
        file_records = [json.loads(line) for line in f if line.strip()]
    assert any("listening on" in r["message"] for r in file_records)
    assert any(generated in r["message"] for r in file_records)


def test_a_text_log_line_cannot_be_forged_through_a_request_path(data_dir):
    """The debug access log writes the decoded path; a %0a in it would start a line that looks
    like an entry of its own. The text format escapes it: one request, one line."""
    smsd = Smsd(data_dir, "--log-level", "debug", env=embedded_env()).start()
    forged = "2026-01-01T00:00:00.000Z info [smsd] audit: FORGED-ENTRY"
    try:
        s, _, h = smsd.get("/api/v1/servers/x%0d%0a" + urllib.parse.quote(forged))
        assert s in (400, 404)
        request_id = h["X-Request-Id"]
        wait_for(lambda: any(request_id in line for line in smsd.log), 5, what="request logged")
    finally:
        smsd.stop()
    assert not any(line.startswith("2026-01-01") for line in smsd.log), smsd.log
    lines = [line for line in smsd.log if "FORGED-ENTRY" in line]
    assert len(lines) == 1 and request_id in lines[0], lines
    assert "/api/v1/servers/x\\r\\n" + forged in lines[0], lines[0]


SECRETS = ["dbpw-hunter2", "redispw-55", "smtppw-99", "agent-secret-77"]


def test_secrets_never_reach_the_logs_or_error_bodies(data_dir):
    # A start-up failure names the database, not its password.
    failed = Smsd(data_dir, "--database-url",
                  f"postgresql://sms:{SECRETS[0]}@127.0.0.1:1/sms?connect_timeout=2",
                  env=embedded_env())
    try:
        failed.start(timeout=20)
        assert False, "smsd started without its database"
    except RuntimeError:
        pass
    assert failed.proc.wait(10) == 1
    assert "database" in "".join(failed.log)

    smsd = Smsd(data_dir, "--redis-url", f"redis://:{SECRETS[1]}@127.0.0.1:1",
                "--smtp-url", "smtp://127.0.0.1:1", "--smtp-user", "sms",
                "--smtp-password", SECRETS[2], "--agent-tokens", SECRETS[3],
                "--log-level", "trace", env=embedded_env()).start()
    try:
        bodies = []
        for headers in ({}, {"Authorization": "Bearer " + SECRETS[3] + "-wrong"}):
            bodies.append(smsd.request("POST", "/healthcheck", {"server_id": "s-1"},
                                       headers=headers)[1])
        bodies.append(smsd.request("POST", "/api/v1/reports",
                                   {"start": "2026-11-01", "end": "2026-11-01",
                                    "emails": ["ops@example.com"]})[1])
        bodies.append(smsd.get("/readyz")[1])
        # The mail role tries the SMTP server (with its password) and logs the failure.
        wait_for(lambda: "attempt 1/" in "".join(smsd.log), 20, what="the failed mail logged")
    finally:
        smsd.stop()
    text = "".join(failed.log) + "".join(smsd.log) + json.dumps(bodies)
    for secret in SECRETS:
        assert secret not in text, secret
