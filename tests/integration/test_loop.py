"""The heartbeat -> status -> REST loop, end to end, in both shapes (embedded, distributed)."""
import datetime
import time

from conftest import Agent, wait_for


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def iso(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def test_agents_appear_on_turn_off_when_stopped_and_come_back(system, agents):
    for name in ("it-a", "it-b", "it-c"):
        agents.append(Agent(system.agent_url(len(agents)), name))
    wait_for(lambda: all((system.server(n) or {}).get("status") == "on"
                         for n in ("it-a", "it-b", "it-c")), 15, what="agents on")
    status, page, _ = system.get("/api/v1/servers?status=on&sort=server_id")
    assert status == 200
    assert [s["server_id"] for s in page["items"]] == ["it-a", "it-b", "it-c"]
    assert page["items"][0]["ipv4"], "the agent reports its primary IPv4"

    agents[1].stop()
    off = wait_for(lambda: (s := system.server("it-b")) and s["status"] == "off" and s, 10,
                   what="it-b off")
    # Detected once interval (1 s) + grace (1 s) had passed since its last heartbeat, which may
    # have come up to 1.1 s before the stop; stamped when it really stopped.
    assert time.time() - parse_time(off["last_seen"]) >= 2
    assert parse_time(off["status_changed_at"]) == parse_time(off["last_seen"]) + 1
    assert system.server("it-a")["status"] == "on"

    agents.append(Agent(system.agent_url(0), "it-b"))
    wait_for(lambda: system.server("it-b")["status"] == "on", 10, what="it-b back on")
    status, events, _ = system.get("/api/v1/servers/it-b/events")
    assert status == 200
    assert [e["status"] for e in events["items"]] == ["on", "off", "on"]


def test_uptime_is_exact_time_weighted(system, agents):
    agents.append(Agent(system.agent_url(len(agents)), "up-1"))
    first = wait_for(lambda: system.server("up-1"), 10, what="registered")
    created = parse_time(first["created_time"])
    time.sleep(15)
    agents[0].stop()
    killed = time.time()
    wait_for(lambda: system.server("up-1")["status"] == "off", 10, what="off")
    time.sleep(max(0, killed + 10 - time.time()))
    agents.append(Agent(system.agent_url(len(agents)), "up-1"))
    back = wait_for(lambda: (s := system.server("up-1")) and s["status"] == "on" and s, 10)
    restarted = parse_time(back["status_changed_at"])
    time.sleep(10)
    now = time.time()
    status, up, _ = system.get(f"/api/v1/servers/up-1/uptime?from={iso(created - 60)}&to={iso(now)}")
    assert status == 200, up
    # The window is clipped to created_time; the last heartbeat before the kill came at most
    # 1.1 s before it and the off is stamped 1 s after that: expect the kill + 0.45 s ± 0.55 s.
    window = now - created
    expected = ((killed + 0.45 - created) + (now - restarted)) / window
    assert abs(up["window_seconds"] - window) < 0.5
    assert abs(up["uptime"] - expected) <= 0.02, (up, expected)
    assert 0.5 < up["uptime"] < 0.9


def test_crud_and_every_error_code(system):
    s, body, h = system.request("POST", "/api/v1/servers",
                              {"server_id": "crud-1", "server_name": "Crud One",
                               "ipv4": "10.9.0.1"})
    assert s == 201 and body["status"] == "off" and h["Location"].endswith("/crud-1")
    s, body, _ = system.request("POST", "/api/v1/servers",
                              {"server_id": "crud-1", "server_name": "Other"})
    assert s == 409 and body["error"]["field"] == "server_id"
    s, body, _ = system.request("POST", "/api/v1/servers",
                              {"server_id": "crud-2", "server_name": "Crud One"})
    assert s == 409 and body["error"]["field"] == "server_name"
    # Names are unique regardless of case: the same answer, the name quoted as sent.
    s, body, _ = system.request("POST", "/api/v1/servers",
                              {"server_id": "crud-2", "server_name": "CRUD ONE"})
    assert s == 409 and body["error"] == {"code": "conflict", "field": "server_name",
                                          "message": 'server_name "CRUD ONE" is taken'}
    s, body, _ = system.request("POST", "/api/v1/servers",
                              {"server_id": "crud-3", "server_name": "x", "ipv4": "1.2.3"})
    assert s == 400 and body["error"]["field"] == "ipv4" and body["error"]["message"]
    s, body, _ = system.request("PATCH", "/api/v1/servers/crud-1", {"server_id": "new"})
    assert s == 400 and body["error"]["field"] == "server_id"
    s, body, _ = system.request("PATCH", "/api/v1/servers/crud-1", {"server_name": "Renamed"})
    assert s == 200 and body["server_name"] == "Renamed"
    assert system.get("/api/v1/servers/nope")[0] == 404
    s, body, _ = system.get("/api/v1/servers?sort=password")
    assert s == 400 and body["error"]["field"] == "sort"
    s, body, _ = system.get("/api/v1/servers?server_name=%27%20OR%201%3D1%20--")
    assert s == 200 and body["total"] == 0
    s, _, h = system.request("PUT", "/api/v1/servers")
    assert s == 405 and "Allow" in h
    assert system.get("/api/v1/nothing-here")[0] == 404
    s, body, _ = system.request("POST", "/healthcheck", raw=b'{"server_id":"x"}',
                              headers={"Content-Type": "text/plain"})
    assert s == 415
    s, body, _ = system.request("POST", "/healthcheck",
                              raw=b'{"server_id":"' + b"x" * (70 * 1024) + b'"}',
                              headers={"Content-Type": "application/json"})
    assert s == 413
    s, body, _ = system.request("POST", "/healthcheck", {"server_id": "ok-1", "interval": 0})
    assert s == 400 and body["error"]["field"] == "interval"
    assert system.request("DELETE", "/api/v1/servers/crud-1")[0] == 204
    assert system.get("/api/v1/servers/crud-1")[0] == 404
    # Nothing rejected reached the inventory.
    s, body, _ = system.get("/api/v1/servers")
    assert body["total"] == 0, body
