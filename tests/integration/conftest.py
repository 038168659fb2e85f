"""Fixtures that run real smsd and sms-agent processes on loopback."""
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from waiting import ROOT, wait_for  # noqa: E402,F401  (the suites import them from here)

SMSD = os.environ.get("SMSD", "build/bin/smsd")
AGENT = os.environ.get("SMS_AGENT", "build/bin/sms-agent")


# The first admin every test system starts with; requests to /api/v1 log in as it.
ADMIN_USER = "admin"
ADMIN_PASSWORD = "it admin password"


def embedded_env():
    """The environment without SMS_* settings (the embedded default, whatever engines run),
    plus the first admin."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMS_")}
    env.update(SMS_ADMIN_USER=ADMIN_USER, SMS_ADMIN_PASSWORD=ADMIN_PASSWORD)
    return env


def send(port, method, path, body=None, headers=None, raw=None):
    """One HTTP request on a new connection: (status, JSON or text body, headers)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    h = dict(headers or {})
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    conn.request(method, path, body=data, headers=h)
    resp = conn.getresponse()
    text = resp.read()
    conn.close()
    try:
        payload = json.loads(text) if text else None
    except ValueError:
        payload = text.decode(errors="replace")
    return resp.status, payload, dict(resp.getheaders())


def login(port, username=ADMIN_USER, password=ADMIN_PASSWORD):
    """The access token of a login (asserts it succeeds)."""
    status, body, _ = send(port, "POST", "/api/v1/auth/login",
                           {"username": username, "password": password})
    assert status == 200, body
    return body["access_token"]


class Smsd:
    """One smsd process (role `all` unless told) on 127.0.0.1 with an ephemeral port."""

    def __init__(self, data_dir, *args, role="all", env=None):
        self.data_dir = data_dir
        self.args = list(args)
        self.role = role
        self.env = env
        self.proc = None
        self.port = None
        self.token = None
        self.log = []

    def start(self, timeout=30):
        cmd = [SMSD, self.role, "--listen", "127.0.0.1:0", "--data-dir", self.data_dir] + self.args
        self.port = None
        self.token = None
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=self.env or embedded_env())
        found = threading.Event()

        def pump():
            for line in self.proc.stdout:
                self.log.append(line)
                m = re.search(r"listening on http://[\d.]+:(\d+)", line)
                if m and not found.is_set():
                    self.port = int(m.group(1))
                    found.set()
            found.set()

        threading.Thread(target=pump, daemon=True).start()
        if not found.wait(timeout) or self.port is None:
            self.kill()
            raise RuntimeError("smsd did not start:\n" + "".join(self.log))
        return self

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            return self.proc.wait(timeout)
        return self.proc.returncode if self.proc else None

    def kill(self, grace=20):
        """Ends smsd after a test: SIGTERM, so that it leaves through main (a coverage build
        writes its counters then; SIGKILL writes none), and SIGKILL after `grace` seconds."""
        self.terminate()
        self.reap(grace)

    def terminate(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def reap(self, grace=20):
        if self.proc and self.proc.poll() is None:
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def agent_url(self, i):
        return self.url

    def auth_header(self):
        """{"Authorization": "Bearer <the admin's token>"}, logging in when needed."""
        if self.token is None:
            self.token = login(self.port)
        return {"Authorization": "Bearer " + self.token}

    def request(self, method, path, body=None, headers=None, raw=None, auth=True):
        """A request; to /api/v1 (but login) it carries the admin's token unless `auth` is
        False or the caller gives its own Authorization."""
        h = dict(headers or {})
        signed = (auth and path.startswith("/api/v1/") and "Authorization" not in h
                  and not path.startswith("/api/v1/auth/login"))
        if signed:
            h.update(self.auth_header())
        status, payload, hdrs = send(self.port, method, path, body, h, raw)
        if signed and status == 401:  # the token expired: log in again, once
            self.token = None
            h.update(self.auth_header())
            status, payload, hdrs = send(self.port, method, path, body, h, raw)
        return status, payload, hdrs

    def get(self, path):
        return self.request("GET", path)

    def server(self, server_id):
        status, body, _ = self.get(f"/api/v1/servers/{server_id}")
        return body if status == 200 else None


class Agent:
    """A real sms-agent process."""

    def __init__(self, url, server_id, interval=1, extra=()):
        self.cmd = [AGENT, "--url", url + "/healthcheck", "--server-id", server_id,
                    "--hostname", server_id, "--interval", str(interval), *extra]
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)


@pytest.fixture
def data_dir():
    with tempfile.TemporaryDirectory(prefix="sms-it-") as d:
        yield d


@pytest.fixture
def smsd(data_dir):
    s = Smsd(data_dir, "--heartbeat-grace", "1", "--sweep-interval-ms", "100").start()
    yield s
    s.kill()


@pytest.fixture
def agents():
    started = []
    yield started
    for a in started:
        a.stop()


@pytest.fixture(params=["embedded", "distributed"])
def system(request, data_dir):
    """The same SMS in both shapes: one `smsd all` on SQLite, or split roles on the engines."""
    args = ["--heartbeat-grace", "1", "--sweep-interval-ms", "100"]
    if request.param == "embedded":
        s = Smsd(data_dir, *args).start()
    else:
        from cluster import Cluster, missing_engines
        if missing_engines():
            pytest.skip(f"{', '.join(missing_engines())} not set: start engines with scripts/services")
        s = Cluster(*args)
    yield s
    s.kill()
