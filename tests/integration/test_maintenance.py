"""Maintenance windows end to end: a real agent goes off inside a window scoped by a tag, and
its uptime leaves the window out (maintenance_seconds says how much), in both shapes (the
distributed one answers uptime from the search backend when it is configured)."""
import time

from conftest import Agent, wait_for
from test_loop import iso, parse_time


def test_a_window_covering_the_off_time_leaves_it_out_of_uptime(system, agents):
    agents.append(Agent(system.agent_url(0), "mw-a"))
    first = wait_for(lambda: system.server("mw-a"), 10, what="registered")
    created = parse_time(first["created_time"])
    s, body, _ = system.request("PATCH", "/api/v1/servers/mw-a", {"tags": ["rack:b7"]})
    assert s == 200 and body["tags"] == ["rack:b7"], body
    time.sleep(4)
    agents[0].stop()
    off = wait_for(lambda: (x := system.server("mw-a")) and x["status"] == "off" and x, 10,
                   what="mw-a off")
    off_at = parse_time(off["status_changed_at"])
    time.sleep(4)
    agents.append(Agent(system.agent_url(0), "mw-a"))
    back = wait_for(lambda: (x := system.server("mw-a")) and x["status"] == "on" and x, 10,
                    what="mw-a back on")
    restarted = parse_time(back["status_changed_at"])
    time.sleep(6)

    start, end = off_at - 1, restarted + 1
    bad = {"name": "backwards", "start": iso(end), "end": iso(start)}
    s, body, _ = system.request("POST", "/api/v1/maintenance", bad)
    assert s == 400 and body["error"]["field"] == "end", body
    s, body, _ = system.request("POST", "/api/v1/maintenance",
                                {"name": "rack b7 power", "start": iso(start), "end": iso(end),
                                 "servers": {"tags": ["rack:b7"]}})
    assert s == 201, body
    s, listed, _ = system.get("/api/v1/maintenance")
    assert s == 200 and [w["id"] for w in listed["items"]] == [body["id"]]

    # Up to 2 s ago: the search backend shows a heartbeat document about a second after it.
    to = time.time() - 2
    s, up, _ = system.get(f"/api/v1/servers/mw-a/uptime?from={iso(created - 60)}&to={iso(to)}")
    assert s == 200, up
    maintenance = end - start
    assert abs(up["maintenance_seconds"] - maintenance) < 0.01, up
    assert abs(up["window_seconds"] - (to - created - maintenance)) < 0.5, up
    # The off time is inside the window, so what is left was on throughout (the search
    # backend measures from heartbeat documents, within an interval at each edge).
    assert up["uptime"] >= 0.9, up
    assert up["uptime"] <= 1.0


def test_a_window_for_other_servers_changes_nothing(system, agents):
    agents.append(Agent(system.agent_url(0), "mw-b"))
    first = wait_for(lambda: system.server("mw-b"), 10, what="registered")
    created = parse_time(first["created_time"])
    s, body, _ = system.request("POST", "/api/v1/maintenance",
                                {"name": "others", "start": iso(created - 10),
                                 "end": iso(created + 3600), "servers": {"tags": ["elsewhere"]}})
    assert s == 201, body
    time.sleep(3)
    now = time.time()
    s, up, _ = system.get(f"/api/v1/servers/mw-b/uptime?from={iso(created - 60)}&to={iso(now)}")
    assert s == 200, up
    assert up["maintenance_seconds"] == 0
    assert abs(up["window_seconds"] - (now - created)) < 0.5
