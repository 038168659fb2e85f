"""The heartbeat -> status -> REST loop of `smsd all` on the embedded default, end to end."""
import concurrent.futures
import datetime
import http.client
import json
import signal
import time

from conftest import Agent, Smsd, wait_for


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def iso(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def test_agents_appear_on_turn_off_when_stopped_and_come_back(smsd, agents):
    for name in ("it-a", "it-b", "it-c"):
        agents.append(Agent(smsd.url, name))
    wait_for(lambda: all((smsd.server(n) or {}).get("status") == "on"
                         for n in ("it-a", "it-b", "it-c")), 15, what="agents on")
    status, page, _ = smsd.get("/api/v1/servers?status=on&sort=server_id")
    assert status == 200
    assert [s["server_id"] for s in page["items"]] == ["it-a", "it-b", "it-c"]
    assert page["items"][0]["ipv4"], "the agent reports its primary IPv4"

    agents[1].stop()
    stopped = time.time()
    off = wait_for(lambda: (s := smsd.server("it-b")) and s["status"] == "off" and s, 10,
                   what="it-b off")
    # Detected after interval (1 s) + grace (1 s); stamped when it really stopped.
    assert time.time() - stopped >= 1.5
    assert parse_time(off["status_changed_at"]) == parse_time(off["last_seen"]) + 1
    assert smsd.server("it-a")["status"] == "on"

    agents.append(Agent(smsd.url, "it-b"))
    wait_for(lambda: smsd.server("it-b")["status"] == "on", 10, what="it-b back on")
    status, events, _ = smsd.get("/api/v1/servers/it-b/events")
    assert status == 200
    assert [e["status"] for e in events["items"]] == ["on", "off", "on"]


def test_uptime_is_exact_time_weighted(smsd, agents):
    agents.append(Agent(smsd.url, "up-1"))
    first = wait_for(lambda: smsd.server("up-1"), 10, what="registered")
    created = parse_time(first["created_time"])
    time.sleep(15)
    agents[0].stop()
    killed = time.time()
    wait_for(lambda: smsd.server("up-1")["status"] == "off", 10, what="off")
    time.sleep(max(0, killed + 10 - time.time()))
    agents.append(Agent(smsd.url, "up-1"))
    back = wait_for(lambda: (s := smsd.server("up-1")) and s["status"] == "on" and s, 10)
    restarted = parse_time(back["status_changed_at"])
    time.sleep(10)
    now = time.time()
    status, up, _ = smsd.get(f"/api/v1/servers/up-1/uptime?from={iso(created - 60)}&to={iso(now)}")
    assert status == 200, up
    # The window is clipped to created_time; the last heartbeat before the kill came at most
    # 1.1 s before it and the off is stamped 1 s after that: expect the kill + 0.45 s ± 0.55 s.
    window = now - created
    expected = ((killed + 0.45 - created) + (now - restarted)) / window
    assert abs(up["window_seconds"] - window) < 0.5
    assert abs(up["uptime"] - expected) <= 0.02, (up, expected)
    assert 0.5 < up["uptime"] < 0.9


def test_crud_and_every_error_code(smsd):
    s, body, h = smsd.request("POST", "/api/v1/servers",
                              {"server_id": "crud-1", "server_name": "Crud One",
                               "ipv4": "10.9.0.1"})
    assert s == 201 and body["status"] == "off" and h["Location"].endswith("/crud-1")
    s, body, _ = smsd.request("POST", "/api/v1/servers",
                              {"server_id": "crud-1", "server_name": "Other"})
    assert s == 409 and body["error"]["field"] == "server_id"
    s, body, _ = smsd.request("POST", "/api/v1/servers",
                              {"server_id": "crud-2", "server_name": "Crud One"})
    assert s == 409 and body["error"]["field"] == "server_name"
    s, body, _ = smsd.request("POST", "/api/v1/servers",
                              {"server_id": "crud-3", "server_name": "x", "ipv4": "1.2.3"})
    assert s == 400 and body["error"]["field"] == "ipv4" and body["error"]["message"]
    s, body, _ = smsd.request("PATCH", "/api/v1/servers/crud-1", {"server_id": "new"})
    assert s == 400 and body["error"]["field"] == "server_id"
    s, body, _ = smsd.request("PATCH", "/api/v1/servers/crud-1", {"server_name": "Renamed"})
    assert s == 200 and body["server_name"] == "Renamed"
    assert smsd.get("/api/v1/servers/nope")[0] == 404
    s, body, _ = smsd.get("/api/v1/servers?sort=password")
    assert s == 400 and body["error"]["field"] == "sort"
    s, body, _ = smsd.get("/api/v1/servers?server_name=%27%20OR%201%3D1%20--")
    assert s == 200 and body["total"] == 0
    s, _, h = smsd.request("PUT", "/api/v1/servers")
    assert s == 405 and "Allow" in h
    assert smsd.get("/api/v1/nothing-here")[0] == 404
    s, body, _ = smsd.request("POST", "/healthcheck", raw=b'{"server_id":"x"}',
                              headers={"Content-Type": "text/plain"})
    assert s == 415
    s, body, _ = smsd.request("POST", "/healthcheck",
                              raw=b'{"server_id":"' + b"x" * (70 * 1024) + b'"}',
                              headers={"Content-Type": "application/json"})
    assert s == 413
    s, body, _ = smsd.request("POST", "/healthcheck", {"server_id": "ok-1", "interval": 0})
    assert s == 400 and body["error"]["field"] == "interval"
    assert smsd.request("DELETE", "/api/v1/servers/crud-1")[0] == 204
    assert smsd.get("/api/v1/servers/crud-1")[0] == 404
    # Nothing rejected reached the inventory.
    s, body, _ = smsd.get("/api/v1/servers")
    assert body["total"] == 0, body


def test_original_agent_shape_and_probes(smsd):
    s, body, _ = smsd.request("POST", "/healthcheck",
                              {"ip": "10.0.0.7", "time": int(time.time() * 1000),
                               "duration": 15})
    assert s == 202 and body == {"status": "accepted"}
    srv = wait_for(lambda: smsd.server("10.0.0.7"), 5, what="legacy server")
    assert srv["status"] == "on" and srv["ipv4"] == "10.0.0.7"
    assert smsd.get("/healthz")[0] == 200
    s, body, _ = smsd.get("/readyz")
    assert s == 200 and body["status"] == "ready"
    s, stats, _ = smsd.get("/api/v1/stats")
    assert s == 200 and stats["total"] == 1 and stats["on"] == 1
    conn = http.client.HTTPConnection("127.0.0.1", smsd.port)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    for name in ("sms_http_requests_total", "sms_http_request_duration_seconds_bucket",
                 "sms_heartbeats_accepted_total 1", "sms_bus_queue_depth",
                 'sms_servers{status="on"} 1'):
        assert name in text, name


def post_heartbeats(port, ids):
    """Posts one heartbeat per id on one keep-alive connection; returns the ids accepted."""
    accepted = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        for i in ids:
            conn.request("POST", "/healthcheck", body=json.dumps({"server_id": i}),
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            if resp.status == 202:
                accepted.append(i)
    except (OSError, http.client.HTTPException):
        pass  # the server went away mid-stream: what it accepted is what counts
    return accepted


def test_sigterm_loses_no_accepted_heartbeat(data_dir):
    smsd = Smsd(data_dir, "--heartbeat-grace", "60").start()
    try:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(post_heartbeats, smsd.port,
                                   [f"t{w}-{i}" for i in range(3000)]) for w in range(4)]
            time.sleep(1.0)
            assert smsd.stop(signal.SIGTERM) == 0, "".join(smsd.log)
            accepted = [i for f in futures for i in f.result()]
    finally:
        smsd.kill()
    assert len(accepted) > 100, "the load ran before the signal"
    again = Smsd(data_dir).start()
    try:
        stored = {}
        offset = 0
        while True:
            s, page, _ = again.get(f"/api/v1/servers?limit=1000&offset={offset}")
            assert s == 200
            stored.update((srv["server_id"], srv) for srv in page["items"])
            offset += 1000
            if offset >= page["total"]:
                break
        missing = [i for i in accepted if i not in stored]
        assert not missing, f"{len(missing)} accepted heartbeats lost, e.g. {missing[:5]}"
        assert all(stored[i]["last_seen"] for i in accepted)
        # At most the one request in flight per connection may have been applied unanswered.
        assert len(stored) - len(accepted) <= 4
    finally:
        again.kill()


def test_auto_register_off_drops_unknown_servers_and_counts_them(data_dir):
    smsd = Smsd(data_dir, "--auto-register=false").start()
    try:
        s, _, _ = smsd.request("POST", "/api/v1/servers",
                               {"server_id": "known-1", "server_name": "Known"})
        assert s == 201
        assert smsd.request("POST", "/healthcheck", {"server_id": "known-1"})[0] == 202
        assert smsd.request("POST", "/healthcheck", {"server_id": "stranger-1"})[0] == 202
        wait_for(lambda: smsd.server("known-1")["status"] == "on", 5, what="known on")

        def unknown_count():
            text = smsd.get("/metrics")[1]
            line = [ln for ln in text.splitlines() if ln.startswith("sms_heartbeats_unknown_total")]
            return line and float(line[0].split()[1]) == 1

        wait_for(unknown_count, 5, what="unknown heartbeat counted")
        assert smsd.get("/api/v1/servers/stranger-1")[0] == 404
        assert smsd.get("/api/v1/servers")[1]["total"] == 1
    finally:
        smsd.kill()


def test_oversized_headers_get_431(smsd):
    s, body, _ = smsd.request("GET", "/api/v1/servers", headers={"X-Filler": "y" * 20000})
    assert s == 431
    assert smsd.get("/healthz")[0] == 200
