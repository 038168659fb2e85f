"""Clients of the gateway test, each a thread on keep-alive connections to Traefik: agents
that send heartbeats as sms-agent does, one-shot senders (a new server per heartbeat), and an
API poller. Every loop is bounded by its stop event and a deadline."""
import http.client
import json
import random
import threading
import time

AGENT_VERSION = "gateway-test"


class Connection:
    """A keep-alive connection to 127.0.0.1:port; a request that fails on a reused connection
    is sent once more on a new one (as sms-agent does: the peer may have closed it while idle).
    Returns the status, or raises OSError / http.client.HTTPException."""

    def __init__(self, port, timeout=10):
        self.port, self.timeout, self.conn = port, timeout, None

    def request(self, method, path, body=None, headers=None):
        for fresh in (self.conn is None, True):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                       timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                resp.read()
                return resp.status
            except (OSError, http.client.HTTPException):
                self.close()
                if fresh:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Workers:
    """Threads, each running `run(arg)` until stop() sets `stop_event`."""

    def __init__(self, args):
        self.stop_event = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(a,), daemon=True) for a in args]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(30)


def heartbeat(server_id):
    return json.dumps({"server_id": server_id, "hostname": server_id, "interval": 2,
                       "agent_version": AGENT_VERSION}).encode()


class Agents(Workers):
    """`count` agents POSTing heartbeats to /healthcheck through the gateway, each on its own
    connection, as sms-agent does: every `interval` s (±10 %); after a failure (no answer or
    not 2xx) again in 1 s, 2 s, 4 s, ... (sms-agent goes on to 300 s; 4 s keeps this short).
    Records the start time of every heartbeat answered 202 and every failure."""

    def __init__(self, port, token, count, prefix, interval=2.0, max_backoff=4.0):
        self.port, self.token, self.interval, self.max_backoff = port, token, interval, max_backoff
        self.ids = [f"{prefix}-{i:03d}" for i in range(count)]
        self.accepted = {sid: [] for sid in self.ids}  # start times of 202'd heartbeats
        self.failed = {sid: [] for sid in self.ids}  # (start time, status or error)
        super().__init__(self.ids)

    def send(self, conn, sid):
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        t0 = time.time()
        try:
            status = conn.request("POST", "/healthcheck", heartbeat(sid), headers)
        except (OSError, http.client.HTTPException) as e:
            status = repr(e)
        (self.accepted[sid].append(t0) if status == 202 else self.failed[sid].append((t0, status)))
        return status == 202

    def run(self, sid):
        conn = Connection(self.port)
        failures = 0
        self.stop_event.wait(random.uniform(0, self.interval))  # agents do not start in step
        while not self.stop_event.is_set():
            failures = 0 if self.send(conn, sid) else failures + 1
            delay = self.interval if failures == 0 else min(2 ** (failures - 1), self.max_backoff)
            self.stop_event.wait(delay * random.uniform(0.9, 1.1))
        conn.close()

    def failures_since(self, t):
        return {sid: [f for f in fails if f[0] >= t] for sid, fails in self.failed.items()
                if any(f[0] >= t for f in fails)}


class OneShots(Workers):
    """`senders` threads, each sending heartbeats of new servers (a new server_id each) back to
    back, resending one until it is answered 202 (at most `attempts` times, 1 s apart): every
    id in `accepted` must end up in the inventory."""

    def __init__(self, port, token, prefix, senders=4, attempts=10):
        self.port, self.token, self.prefix, self.attempts = port, token, prefix, attempts
        self.accepted, self.unanswered, self.failures = [], [], 0
        self.lock = threading.Lock()
        super().__init__(range(senders))

    def deliver(self, conn, sid):
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        for _ in range(self.attempts):
            try:
                if conn.request("POST", "/healthcheck", heartbeat(sid), headers) == 202:
                    return True
            except (OSError, http.client.HTTPException):
                pass
            with self.lock:
                self.failures += 1
            time.sleep(1)
        return False

    def run(self, n):
        conn = Connection(self.port)
        seq = 0
        while not self.stop_event.is_set():
            sid = f"{self.prefix}-{n}-{seq:05d}"
            seq += 1
            delivered = self.deliver(conn, sid)
            with self.lock:
                (self.accepted if delivered else self.unanswered).append(sid)
            time.sleep(0.01)
        conn.close()


class Poller(Workers):
    """An API client polling GET `path` through the gateway every `period` s with one JWT;
    records every call that did not answer 200 (status or error, and when)."""

    def __init__(self, port, path, token, period=0.02):
        self.port, self.path, self.token, self.period = port, path, token, period
        self.calls, self.failed = 0, []
        super().__init__([None])

    def run(self, _):
        conn = Connection(self.port)
        headers = {"Authorization": f"Bearer {self.token}"}
        while not self.stop_event.is_set():
            t0 = time.time()
            try:
                status = conn.request("GET", self.path, headers=headers)
            except (OSError, http.client.HTTPException) as e:
                status = repr(e)
            self.calls += 1
            if status != 200:
                self.failed.append((t0, status))
            self.stop_event.wait(self.period)
        conn.close()
