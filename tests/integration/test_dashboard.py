"""The dashboard's server side with real processes: the page from the binary (direct and behind
the gateway's prefix), the session cookie with its CSRF token next to Bearer tokens, and the
live event stream: a turn-off arrives without polling, and a reconnect with Last-Event-ID,
also on another management replica, loses no transition."""
import glob
import gzip
import os

import pytest

from conftest import ADMIN_PASSWORD, ADMIN_USER, Agent, login, send, wait_for
from sse import Sse, transition


def cookie_login(port, headers=None):
    status, body, h = send(port, "POST", "/api/v1/auth/login",
                           {"username": ADMIN_USER, "password": ADMIN_PASSWORD, "cookie": True},
                           headers=headers)
    assert status == 200, body
    return h["Set-Cookie"], body


def test_the_page_is_served_from_the_binary_at_the_mount(smsd):
    status, page, h = send(smsd.port, "GET", "/")
    assert status == 200 and '<base href="/">' in page
    assert "script-src 'self'" in h["Content-Security-Policy"]
    status, page, _ = send(smsd.port, "GET", "/", headers={"X-Forwarded-Prefix": "/server-management"})
    assert '<base href="/server-management/">' in page
    status, js, h = send(smsd.port, "GET", "/ui/app.js")
    assert status == 200 and h["Content-Type"].startswith("text/javascript") and "import" in js


def test_all_of_the_page_gzipped_is_within_the_first_load_budget(smsd):
    # Every file the page may load (each page's module, not only the first ones), as served.
    web = os.path.join(os.path.dirname(__file__), "..", "..", "web")
    names = [os.path.basename(p) for p in glob.glob(os.path.join(web, "*"))]
    assert "page-alerts.js" in names
    total = 0
    for path in ["/"] + ["/ui/" + n for n in names if n != "index.html"]:
        status, body, _ = send(smsd.port, "GET", path)
        assert status == 200, path
        total += len(gzip.compress(body.encode() if isinstance(body, str) else body))
    assert total <= 200 * 1024, total


def test_cookie_sessions_need_their_csrf_token_and_bearer_tokens_work_as_before(smsd):
    set_cookie, body = cookie_login(smsd.port)
    assert "access_token" not in body
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie and "Path=/;" in set_cookie
    cookie = {"Cookie": set_cookie.split(";")[0]}
    status, page, _ = send(smsd.port, "GET", "/api/v1/servers", headers=cookie)
    assert status == 200 and page["total"] == 0
    new = {"server_id": "c1", "server_name": "c1"}
    status, err, _ = send(smsd.port, "POST", "/api/v1/servers", new, headers=cookie)
    assert status == 403 and err["error"]["code"] == "csrf_failed"
    status, _, _ = send(smsd.port, "GET", "/api/v1/servers/c1", headers=cookie)
    assert status == 404
    status, _, _ = send(smsd.port, "POST", "/api/v1/servers", new,
                        headers={**cookie, "X-CSRF-Token": body["csrf_token"]})
    assert status == 201
    bearer = {"Authorization": "Bearer " + login(smsd.port)}
    status, _, _ = send(smsd.port, "DELETE", "/api/v1/servers/c1", headers=bearer)
    assert status == 204
    set_cookie, _ = cookie_login(smsd.port, {"X-Forwarded-Prefix": "/server-management/"})
    assert "Path=/server-management;" in set_cookie


def test_a_turn_off_arrives_live(smsd, agents):
    set_cookie, _ = cookie_login(smsd.port)
    stream = Sse(smsd.port, {"Cookie": set_cookie.split(";")[0]})
    assert stream.resp.status == 200
    assert stream.resp.getheader("Content-Type").startswith("text/event-stream")
    stream.until(lambda e: e.get("event") == "ready", timeout=10)
    agent = Agent(smsd.agent_url(0), "live-1", interval=1)
    agents.append(agent)
    on, _ = stream.until(lambda e: transition(e, "live-1", "on"))
    agent.stop()
    off, _ = stream.until(lambda e: transition(e, "live-1", "off"))
    assert int(off["id"]) > int(on["id"])
    stream.close()
    # A reconnect after the "on" gets the "off" again: nothing in between is lost.
    again = Sse(smsd.port, {"Cookie": set_cookie.split(";")[0], "Last-Event-ID": on["id"]})
    resumed, seen = again.until(lambda e: e.get("event") == "transition")
    assert resumed["id"] == off["id"] and transition(resumed, "live-1", "off")
    again.close()


def test_the_stream_needs_a_login(smsd):
    status, _, _ = send(smsd.port, "GET", "/api/v1/events/stream")
    assert status == 401
    status, body, _ = send(smsd.port, "GET", "/api/v1/events/stream",
                           headers={"Authorization": "Bearer " + login(smsd.port),
                                    "Last-Event-ID": "x"})
    assert status == 400 and body["error"]["field"] == "last_event_id"


def test_a_reconnect_on_another_replica_resumes_where_it_left():
    from cluster import Cluster, missing_engines
    if missing_engines():
        pytest.skip(f"{', '.join(missing_engines())} not set: start engines with scripts/services")
    c = Cluster("--heartbeat-grace", "1", "--sweep-interval-ms", "100", healthchecks=1,
                workers=2, managements=2, mails=0)
    agent = None
    try:
        first, second = c.managements
        token = {"Authorization": "Bearer " + login(first.port)}
        stream = Sse(first.port, token)
        stream.until(lambda e: e.get("event") == "ready", timeout=10)
        agent = Agent(c.agent_url(0), "replica-1", interval=1)
        on, _ = stream.until(lambda e: transition(e, "replica-1", "on"), timeout=60)
        stream.close()  # the client's connection drops; the server goes off meanwhile
        agent.stop()
        agent = None
        # The turn-off commits while nobody listens.
        wait_for(lambda: (c.server("replica-1") or {}).get("status") == "off", 30, what="replica-1 off")
        other = Sse(second.port, {**token, "Last-Event-ID": on["id"]})
        off, _ = other.until(lambda e: transition(e, "replica-1", "off"), timeout=60)
        assert int(off["id"]) > int(on["id"])
        other.close()
    finally:
        if agent:
            agent.stop()
        c.kill()
