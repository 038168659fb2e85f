"""Reports by mail through real SMTP (Mailpit), on both shapes: what the mail says, the xlsx
read back by openpyxl, the report's status, and the daily report sent once by two replicas."""
import datetime
import email
import email.policy
import io
import json
import os
import time
import urllib.parse
import urllib.request
import uuid
import zoneinfo

import pytest

from conftest import Smsd, wait_for

MAILPIT = os.environ.get("SMS_MAILPIT_API", "")
SMTP = os.environ.get("SMS_SMTP_URL", "")
pytestmark = pytest.mark.skipif(not (MAILPIT and SMTP),
                                reason="SMS_SMTP_URL / SMS_MAILPIT_API not set: scripts/services")
openpyxl = pytest.importorskip("openpyxl")


def mailpit(path):
    with urllib.request.urlopen(MAILPIT + path, timeout=30) as r:
        return r.read()


def messages_to(address):
    q = urllib.parse.quote(f"to:{address}")
    return json.loads(mailpit(f"/api/v1/search?limit=50&query={q}"))["messages"]


def raw_message(message_id):
    return email.message_from_bytes(mailpit(f"/api/v1/message/{message_id}/raw"),
                                    policy=email.policy.default)


@pytest.fixture(params=["embedded", "distributed"])
def system(request, data_dir):
    if request.param == "embedded":
        s = Smsd(data_dir, "--smtp-url", SMTP, "--heartbeat-grace", "1",
                 "--sweep-interval-ms", "100").start()
    else:
        from cluster import Cluster, missing_engines
        if missing_engines():
            pytest.skip("engines not set: scripts/services")
        s = Cluster("--heartbeat-grace", "1", "--sweep-interval-ms", "100", healthchecks=1,
                    workers=1)
    yield s
    s.kill()


def today_of(system):
    """Today in smsd's --tz (by default the host's zone), which GET /api/v1/maintenance names."""
    status, body = system.get("/api/v1/maintenance")[:2]
    assert status == 200, body
    return datetime.datetime.now(zoneinfo.ZoneInfo(body["tz"])).date()


def test_a_report_arrives_with_both_bodies_and_a_workbook_of_every_server(system):
    for sid in ("rep-a", "rep-b"):
        status, body, _ = system.request("POST", "/healthcheck",
                                         body={"server_id": sid, "interval": 1})
        assert status == 202, body
    status, body, _ = system.request(
        "POST", "/api/v1/servers",
        body={"server_id": "rep-idle", "server_name": "Idle <box>", "ipv4": "10.0.0.7"})
    assert status == 201, body
    # Seen by the uptime source too (the search backend shows a document within its refresh).
    for sid in ("rep-a", "rep-b"):
        wait_for(lambda: (system.server(sid) or {}).get("status") == "on", 30)
        wait_for(lambda: (system.get(f"/api/v1/servers/{sid}/uptime")[1] or {}).get("uptime", 0)
                 > 0, 30, what=f"uptime of {sid}")
    to = f"ops-{uuid.uuid4().hex[:8]}@example.com"
    day = today_of(system).isoformat()
    status, body, headers = system.request(
        "POST", "/api/v1/reports", body={"start": day, "end": day, "emails": [to]})
    assert status == 202, body
    assert body["status"] == "queued" and body["summary"]["total"] == 3, body
    assert headers["Location"] == f"/api/v1/reports/{body['report_id']}"

    found = wait_for(lambda: messages_to(to), 60, interval=0.5, what="the report mail")
    assert len(found) == 1
    msg = raw_message(found[0]["ID"])
    assert msg["To"] == to
    assert "SMS uptime report" in msg["Subject"] and day in msg["Subject"]
    parts = {p.get_content_type(): p for p in msg.walk() if not p.is_multipart()}
    text = parts["text/plain"].get_payload(decode=True).decode()
    html = parts["text/html"].get_payload(decode=True).decode()
    for needle in ("Servers now: 3", "Idle"):
        assert needle in text, text
    assert "Idle &lt;box&gt; (rep-idle)" in html and "<b>3</b>" in html, html
    xlsx = parts["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
    assert xlsx.get_filename() == f"uptime-{day}_{day}.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(xlsx.get_payload(decode=True)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("server_id", "server_name", "ipv4", "status", "uptime %",
                       "downtime (s)", "transitions")
    by_id = {r[0]: r for r in rows[1:]}
    assert set(by_id) == {"rep-a", "rep-b", "rep-idle"}
    assert by_id["rep-idle"][1] == "Idle <box>" and by_id["rep-idle"][2] == "10.0.0.7"
    assert by_id["rep-idle"][4] == 0  # never heard from: down since created
    assert isinstance(by_id["rep-a"][4], (int, float)) and by_id["rep-a"][4] > 0

    # The mail service recorded the delivery: the report says sent.
    rid = body["report_id"]
    got = wait_for(lambda: (r := system.get(f"/api/v1/reports/{rid}"))[1]["status"] == "sent"
                   and r[1], 30, what="status sent")
    assert got["attempts"] == 1 and got["emails"] == [to]


def test_a_bad_report_request_names_the_field_and_mails_nothing(system):
    to = f"bad-{uuid.uuid4().hex[:8]}@example.com"
    tomorrow = (today_of(system) + datetime.timedelta(days=2)).isoformat()
    for body, field in [({"start": "2026-01-02", "end": "2026-01-01", "emails": [to]}, "start"),
                        ({"start": "2026-01-01", "end": tomorrow, "emails": [to]}, "end"),
                        ({"start": "2026-01-01", "end": "2026-01-01", "emails": []}, "emails"),
                        ({"start": "2026-01-01", "end": "2026-01-01", "emails": ["x@"]}, "emails")]:
        status, answer, _ = system.request("POST", "/api/v1/reports", body=body)
        assert status == 400 and answer["error"]["field"] == field, (body, answer)
    assert system.get("/api/v1/reports/rpt-unknown")[0] == 404
    time.sleep(1)
    assert messages_to(to) == []


def test_two_management_replicas_send_the_daily_report_once(data_dir):
    from cluster import Cluster, missing_engines
    if missing_engines():
        pytest.skip("engines not set: scripts/services")
    # The schedule starts now; the first report falls due at the next whole minute (UTC) that
    # leaves the processes 20 s to start.
    due = datetime.datetime.utcnow().replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
    if (due - datetime.datetime.utcnow()).total_seconds() < 20:
        due += datetime.timedelta(minutes=1)
    admin = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    c = Cluster("--tz", "UTC", "--report-time", due.strftime("%H:%M"), "--admin-emails", admin,
                healthchecks=1, workers=1, managements=2)
    try:
        found = wait_for(lambda: messages_to(admin), 150, interval=1, what="the daily report")
        time.sleep(12)  # both replicas ticked at least twice since
        found = messages_to(admin)
        day = (due - datetime.timedelta(days=1)).date().isoformat()
        assert len(found) == 1, [m["Subject"] for m in found]
        assert day in found[0]["Subject"]
        status, report, _ = c.get(f"/api/v1/reports/daily-{day}")
        assert status == 200 and report["kind"] == "daily" and report["emails"] == [admin]
        # A replica restarted finds the day claimed.
        c.managements[1].stop()
        c.managements[1].start(timeout=60)
        time.sleep(7)
        assert len(messages_to(admin)) == 1
    finally:
        c.kill()
