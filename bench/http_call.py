"""One JSON request to a local smsd, for the benchmark scripts: the decoded answer, which must
be a success."""
import http.client
import json


def call(port, method, path, body=None, token=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    h = {"Content-Type": "application/json"}
    if token:
        h["Authorization"] = "Bearer " + token
    c.request(method, path, json.dumps(body) if body is not None else None, h)
    r = c.getresponse()
    data = r.read()
    c.close()
    assert r.status < 300, (path, r.status, data)
    return json.loads(data) if data else None
