"""Keyset paging of GET /api/v1/servers over HTTP, on both shapes (SQLite and PostgreSQL): next
and prev walk the whole list, and a cursor that does not belong to the request is 400 naming
the cursor field."""
import base64
import json
import urllib.parse


def listing(system, **params):
    status, body, _ = system.get("/api/v1/servers?" + urllib.parse.urlencode(params))
    assert status == 200, body
    return body


def test_next_and_prev_walk_the_list_and_bad_cursors_are_400(system):
    for i in range(7):
        s, body, _ = system.request("POST", "/api/v1/servers",
                                    {"server_id": f"cur-{i}", "server_name": f"cursor {i % 3} {i}"})
        assert s == 201, body
    query = {"sort": "server_name", "order": "desc", "limit": 3}
    everything = [s["server_id"] for s in listing(system, sort="server_name", order="desc",
                                                   limit=100)["items"]]
    assert len(everything) == 7

    page = listing(system, **query)
    assert page["prev"] is None and page["total"] == 7
    walked = [s["server_id"] for s in page["items"]]
    for _ in range(10):
        if page["next"] is None:
            break
        page = listing(system, cursor=page["next"], **query)
        walked += [s["server_id"] for s in page["items"]]
    assert walked == everything

    back = [s["server_id"] for s in page["items"]]
    for _ in range(10):
        if page["prev"] is None:
            break
        page = listing(system, cursor=page["prev"], **query)
        back = [s["server_id"] for s in page["items"]] + back
    assert back == everything

    cursor = listing(system, **query)["next"]
    inside = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    inside["f"] = "0" * len(inside["f"])  # the fingerprint of other filters
    forged = base64.urlsafe_b64encode(json.dumps(inside).encode()).decode().rstrip("=")
    bad = {
        "another sort": {**query, "sort": "server_id", "cursor": cursor},
        "another filter": {**query, "status": "off", "cursor": cursor},
        "with an offset": {**query, "offset": 3, "cursor": cursor},
        "cut": {**query, "cursor": cursor[:-4] + "~~~~"},
        "forged": {**query, "cursor": forged},
        "not a cursor": {**query, "cursor": "hello"},
    }
    for what, params in bad.items():
        s, err, _ = system.get("/api/v1/servers?" + urllib.parse.urlencode(params))
        assert s == 400, (what, err)
        assert err["error"]["field"] == "cursor", (what, err)
        assert err["error"]["code"] == "invalid_argument" and err["error"]["message"], what
    s, err, _ = system.get("/api/v1/servers/export?cursor=" + cursor)
    assert s == 400 and err["error"]["field"] == "cursor", err
    assert listing(system, limit=100)["total"] == 7
