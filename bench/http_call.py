"""JSON requests to a local smsd, for the benchmark scripts."""
import http.client
import json


def send(conn, method, path, body=None, headers=None):
    """One request on `conn` (kept open), `body` as given: the status, headers and raw answer."""
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    data = r.read()
    return r.status, dict(r.getheaders()), data


def exchange(conn, method, path, body=None, token=None):
    """One JSON request on `conn` (kept open): the status and the decoded answer."""
    h = {"Content-Type": "application/json"}
    if token:
        h["Authorization"] = "Bearer " + token
    status, _, data = send(conn, method, path, json.dumps(body) if body is not None else None, h)
    return status, json.loads(data) if data else None


def call(port, method, path, body=None, token=None):
    """One JSON request on a connection of its own: the decoded answer, which must be a
    success."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        status, answer = exchange(c, method, path, body, token)
    finally:
        c.close()
    assert status < 300, (path, status, answer)
    return answer
