"""Alerts end to end with real processes: a local webhook receiver gets exactly one signed
notification per transition, retries keep their X-SMS-Delivery id, a storm is one digest, bad
input changes nothing, and on the distributed shape a kill -9 mid-delivery loses and doubles
nothing. Windows are shortened by their settings."""
import hashlib
import hmac
import json
import os
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import Agent, Smsd, send, wait_for

SECRET = "receiver secret"
ALERT_ARGS = ["--heartbeat-grace", "1", "--sweep-interval-ms", "100", "--allow-private-webhooks",
              "--alert-group-seconds", "1", "--alert-backoff-ms", "200"]


class Receiver:
    """A webhook receiver on 127.0.0.1: records every request; answers from `script` (statuses,
    then 200), and holds a request while `hold` is set."""

    def __init__(self, script=()):
        self.requests = []
        self.script = list(script)
        self.hold = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append((dict(self.headers), body))
                    status = receiver.script.pop(0) if receiver.script else 200
                while receiver.hold.is_set():
                    time.sleep(0.05)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def events(self, event=None):
        with self.lock:
            out = [(h, json.loads(b)) for h, b in self.requests]
        return [(h, b) for h, b in out if event is None or b["event"] == event]

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def setup_alerts(system, url, **rule):
    status, channel, _ = system.request("POST", "/api/v1/channels",
                                        {"name": "hook", "type": "webhook", "url": url,
                                         "secret": SECRET})
    assert status == 201, channel
    body = {"name": "all servers", "channels": [channel["id"]], **rule}
    status, created, _ = system.request("POST", "/api/v1/alert-rules", body)
    assert status == 201, created
    return channel, created


def assert_signed(headers, raw_body):
    want = "sha256=" + hmac.new(SECRET.encode(), raw_body, hashlib.sha256).hexdigest()
    assert headers["X-SMS-Signature"] == want


def beat(system, server_id, i=0):
    status, body, _ = send(int(system.agent_url(i).rsplit(":", 1)[1]), "POST", "/healthcheck",
                           {"server_id": server_id, "hostname": server_id, "interval": 1})
    assert status == 202, body


@pytest.fixture(params=["embedded", "distributed"])
def alerting(request, data_dir):
    if request.param == "embedded":
        s = Smsd(data_dir, *ALERT_ARGS).start()
    else:
        from cluster import Cluster, missing_engines
        if missing_engines():
            pytest.skip(f"{', '.join(missing_engines())} not set: start engines with scripts/services")
        s = Cluster(*ALERT_ARGS, mails=2)
    yield s
    s.kill()


def test_an_agent_that_stops_sends_one_signed_off_then_one_on(alerting, receiver, agents):
    setup_alerts(alerting, receiver.url)
    agents.append(Agent(alerting.agent_url(0), "web-01", interval=1))
    wait_for(lambda: (alerting.server("web-01") or {}).get("status") == "on", 15, what="on")
    agents[0].stop()
    offs = wait_for(lambda: receiver.events("off"), 15, what="the off alert")
    time.sleep(2)  # nothing more comes
    assert len(receiver.events()) == 1, receiver.events()
    headers, body = offs[0]
    assert body["server"]["server_id"] == "web-01"
    assert body["alert_id"].startswith("alr-")
    assert headers["X-SMS-Delivery"].startswith("dlv-")
    with receiver.lock:
        assert_signed(receiver.requests[0][0], receiver.requests[0][1])
    status, alerts, _ = alerting.get("/api/v1/alerts?server_id=web-01")
    assert status == 200 and alerts["items"][0]["state"] == "open", alerts
    agents.append(Agent(alerting.agent_url(0), "web-01", interval=1))
    ons = wait_for(lambda: receiver.events("on"), 15, what="the on alert")
    time.sleep(2)
    assert len(receiver.events("on")) == 1 and len(receiver.events("off")) == 1
    assert ons[0][1]["alert_id"] == body["alert_id"]
    status, alerts, _ = alerting.get("/api/v1/alerts?server_id=web-01")
    assert alerts["items"][0]["state"] == "resolved"
    # An ack after recovery changes nothing.
    status, acked, _ = alerting.request("POST", f"/api/v1/alerts/{body['alert_id']}/ack")
    assert status == 200 and acked["state"] == "resolved"


def test_a_hundred_servers_off_at_once_are_one_digest(data_dir, receiver):
    s = Smsd(data_dir, *ALERT_ARGS[:-4], "--alert-group-seconds", "6").start()
    try:
        setup_alerts(s, receiver.url)
        for i in range(100):
            beat(s, f"rack-{i:03}")
        wait_for(lambda: s.get("/api/v1/stats")[1]["off"] == 100, 20, what="100 off")
        digest = wait_for(lambda: receiver.events("digest"), 15, what="the digest")
        time.sleep(2)
        assert len(receiver.events()) == 1, [b["event"] for _, b in receiver.events()]
        assert digest[0][1]["count"] == 100
        assert len(digest[0][1]["alerts"]) == 100
    finally:
        s.kill()


def test_a_receiver_failing_twice_gets_one_delivery_id(smsd_alerts, agents):
    s, receiver = smsd_alerts([500, 503])
    setup_alerts(s, receiver.url)
    beat(s, "db-01")
    wait_for(lambda: len(receiver.events("off")) == 3, 20, what="three attempts")
    time.sleep(1.5)
    offs = receiver.events("off")
    assert len(offs) == 3
    assert len({h["X-SMS-Delivery"] for h, _ in offs}) == 1
    status, sent, _ = s.get("/api/v1/alert-deliveries?state=sent")
    assert status == 200 and sent["total"] == 1 and sent["items"][0]["attempts"] == 3


def test_a_refusing_receiver_ends_in_the_dead_letter_list(smsd_alerts):
    s, receiver = smsd_alerts([410])
    setup_alerts(s, receiver.url)
    beat(s, "db-02")
    dead = wait_for(lambda: s.get("/api/v1/alert-deliveries?state=dead")[1]["items"], 20,
                    what="a dead letter")
    assert "410" in dead[0]["error"]
    assert len(receiver.events()) == 1


@pytest.fixture
def smsd_alerts(data_dir):
    made = []

    def make(script):
        r = Receiver(script)
        s = Smsd(data_dir, *ALERT_ARGS).start()
        made.append((s, r))
        return s, r
    yield make
    for s, r in made:
        s.kill()
        r.close()


def test_bad_input_is_400_naming_the_field_and_changes_nothing(smsd, receiver):
    cases = [
        ("/api/v1/channels", {"name": "x", "type": "pager", "url": receiver.url}, "type"),
        ("/api/v1/channels", {"name": "x", "type": "webhook", "url": "ftp://127.0.0.1/"}, "url"),
        # Private targets need --allow-private-webhooks, which this smsd lacks.
        ("/api/v1/channels", {"name": "x", "type": "webhook", "url": receiver.url}, "url"),
        ("/api/v1/channels", {"name": "x", "type": "webhook",
                              "url": "http://169.254.169.254/latest"}, "url"),
        ("/api/v1/alert-rules", {"name": "r", "channels": []}, "channels"),
        ("/api/v1/alert-rules", {"name": "r", "channels": ["chn-nope"]}, "channels"),
        ("/api/v1/alert-rules", {"name": "r", "channels": ["chn-nope"], "events": []}, "events"),
    ]
    for path, body, field in cases:
        status, answer, _ = smsd.request("POST", path, body)
        assert status == 400, (body, answer)
        assert answer["error"]["field"] == field, (body, answer)
    assert smsd.get("/api/v1/channels")[1]["total"] == 0
    assert smsd.get("/api/v1/alert-rules")[1]["total"] == 0
    assert smsd.get("/api/v1/alerts?state=bogus")[0] == 400


def test_a_test_message_goes_out_and_the_secret_never_comes_back(smsd_alerts):
    s, receiver = smsd_alerts([])
    channel, _ = setup_alerts(s, receiver.url)
    assert SECRET not in json.dumps(channel)
    status, listed, _ = s.get("/api/v1/channels")
    assert SECRET not in json.dumps(listed) and listed["items"][0]["secret_set"] is True
    status, queued, _ = s.request("POST", f"/api/v1/channels/{channel['id']}/test")
    assert status == 202, queued
    tests = wait_for(lambda: receiver.events("test"), 10, what="the test message")
    assert tests[0][0]["X-SMS-Delivery"] == queued["delivery_id"]
    assert SECRET not in "".join(s.log)  # nor logged


def test_kill_9_mid_delivery_loses_and_doubles_nothing(data_dir):
    from cluster import Cluster, missing_engines
    if missing_engines():
        pytest.skip(f"{', '.join(missing_engines())} not set: start engines with scripts/services")
    receiver = Receiver()
    c = Cluster(*ALERT_ARGS, "--alert-timeout-seconds", "1", mails=2)
    try:
        setup_alerts(c, receiver.url)
        receiver.hold.set()  # the first delivery hangs in the receiver
        for i in range(3):
            beat(c, f"app-{i}", i)
        c.workers[0].kill()  # a worker dies too: the other sweeps
        wait_for(lambda: receiver.events(), 20, what="a delivery in flight")
        for m in c.mails:
            m.kill()  # kill -9 every notifier while it is sending
        receiver.hold.clear()
        c.mails[0].start(timeout=60)
        wait_for(lambda: len({h["X-SMS-Delivery"] for h, _ in receiver.events("off")}) == 3
                 and c.get("/api/v1/alert-deliveries?state=pending")[1]["total"] == 0,
                 40, what="every off delivered")
        time.sleep(2)
        offs = receiver.events("off")
        ids = {h["X-SMS-Delivery"] for h, _ in offs}
        servers = sorted({b["server"]["server_id"] for _, b in offs})
        assert servers == ["app-0", "app-1", "app-2"]
        assert len(ids) == 3  # one notification each; a repeat carries the same id
        assert c.get("/api/v1/alert-deliveries?state=sent")[1]["total"] == 3
    finally:
        c.kill()
        receiver.close()


MAILPIT = os.environ.get("SMS_MAILPIT_API", "")
SMTP = os.environ.get("SMS_SMTP_URL", "")


@pytest.mark.skipif(not (MAILPIT and SMTP), reason="SMS_SMTP_URL / SMS_MAILPIT_API not set")
def test_mail_alerts_go_through_smtp(data_dir):
    s = Smsd(data_dir, *ALERT_ARGS, "--smtp-url", SMTP).start()
    try:
        server_id = "mail-alert-" + os.path.basename(data_dir)[-8:].lower()
        status, ch, _ = s.request("POST", "/api/v1/channels",
                                  {"name": "ops mail", "type": "email",
                                   "emails": ["oncall@example.com"]})
        assert status == 201, ch
        status, rule, _ = s.request("POST", "/api/v1/alert-rules",
                                    {"name": "mail", "channels": [ch["id"]],
                                     "servers": {"server_ids": [server_id]}})
        assert status == 201, rule
        beat(s, server_id)

        def found():
            q = urllib.parse.quote(f'subject:"{server_id}"')
            with urllib.request.urlopen(f"{MAILPIT}/api/v1/search?query={q}", timeout=30) as r:
                return json.loads(r.read())["messages"]
        messages = wait_for(found, 20, what="the alert mail")
        time.sleep(1.5)
        assert len(found()) == 1
        assert "OFF" in messages[0]["Subject"]
        assert messages[0]["To"][0]["Address"] == "oncall@example.com"
    finally:
        s.kill()
