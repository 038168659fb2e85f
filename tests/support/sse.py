"""A Server-Sent Events client for the suites (GET /api/v1/events/stream): one stream on its own
connection, its events read as they arrive, each wait bounded. The body may be chunked (through
a gateway) or end with the connection (smsd itself)."""
import http.client
import json
import time


class Sse:
    """The stream at `path` on 127.0.0.1:port, requested with `headers`. A read that gets
    nothing for `timeout` s raises (TimeoutError)."""

    def __init__(self, port, headers, path="/api/v1/events/stream", timeout=30):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.conn.request("GET", path, headers=headers)
        self.resp = self.conn.getresponse()

    def events(self, timeout):
        """Each event ({"event", "id", "data"}) as it arrives, for at most `timeout` s or until
        the stream ends; comments (keep-alives) and the retry field are skipped."""
        deadline = time.monotonic() + timeout
        event = {}
        while time.monotonic() < deadline:
            line = self.resp.readline().decode()
            if not line:
                return
            line = line.rstrip("\n")
            if not line:
                if "event" in event:
                    yield event
                event = {}
            elif not line.startswith(":"):
                key, _, value = line.partition(": ")
                event[key] = value

    def until(self, predicate, timeout=30):
        """(the first event that satisfies `predicate`, every event read up to it)."""
        seen = []
        for e in self.events(timeout):
            seen.append(e)
            if predicate(e):
                return e, seen
        raise AssertionError(f"not seen in {timeout} s; saw {seen}")

    def close(self):
        self.conn.close()


def transition(e, server_id=None, status=None):
    """Whether event `e` is a transition (of `server_id` to `status`, when given)."""
    if e.get("event") != "transition":
        return False
    data = json.loads(e["data"])
    return server_id in (None, data["server_id"]) and status in (None, data["status"])
