"""What only the embedded shape (`smsd all` on SQLite) shows: restarts on the same data dir."""
import concurrent.futures
import http.client
import json
import os
import signal
import time

from conftest import Smsd, wait_for


def test_original_agent_shape_and_probes(smsd):
    s, body, _ = smsd.request("POST", "/healthcheck",
                              {"ip": "10.0.0.7", "time": int(time.time() * 1000),
                               "duration": 15})
    assert s == 202 and body == {"status": "accepted"}
    srv = wait_for(lambda: smsd.server("10.0.0.7"), 5, what="legacy server")
    assert srv["status"] == "on" and srv["ipv4"] == "10.0.0.7"
    assert smsd.get("/healthz")[0] == 200
    s, body, _ = smsd.get("/readyz")
    assert s == 200 and body["status"] == "ready"
    s, stats, _ = smsd.get("/api/v1/stats")
    assert s == 200 and stats["total"] == 1 and stats["on"] == 1
    conn = http.client.HTTPConnection("127.0.0.1", smsd.port)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    for name in ("sms_http_requests_total", "sms_http_request_duration_seconds_bucket",
                 "sms_heartbeats_accepted_total 1", "sms_bus_queue_depth",
                 'sms_servers{status="on"} 1'):
        assert name in text, name


def post_heartbeats(port, ids):
    """Posts one heartbeat per id on one keep-alive connection; returns the ids accepted."""
    accepted = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        for i in ids:
            conn.request("POST", "/healthcheck", body=json.dumps({"server_id": i}),
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            if resp.status == 202:
                accepted.append(i)
    except (OSError, http.client.HTTPException):
        pass  # the server went away mid-stream: what it accepted is what counts
    return accepted


def test_sigterm_loses_no_accepted_heartbeat(data_dir):
    smsd = Smsd(data_dir, "--heartbeat-grace", "60").start()
    try:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(post_heartbeats, smsd.port,
                                   [f"t{w}-{i}" for i in range(3000)]) for w in range(4)]
            time.sleep(1.0)
            assert smsd.stop(signal.SIGTERM) == 0, "".join(smsd.log)
            accepted = [i for f in futures for i in f.result()]
    finally:
        smsd.kill()
    assert len(accepted) > 100, "the load ran before the signal"
    again = Smsd(data_dir).start()
    try:
        stored = {}
        offset = 0
        while True:
            s, page, _ = again.get(f"/api/v1/servers?limit=1000&offset={offset}")
            assert s == 200
            stored.update((srv["server_id"], srv) for srv in page["items"])
            offset += 1000
            if offset >= page["total"]:
                break
        missing = [i for i in accepted if i not in stored]
        assert not missing, f"{len(missing)} accepted heartbeats lost, e.g. {missing[:5]}"
        assert all(stored[i]["last_seen"] for i in accepted)
        # At most the one request in flight per connection may have been applied unanswered.
        assert len(stored) - len(accepted) <= 4
    finally:
        again.kill()


def test_auto_register_off_drops_unknown_servers_and_counts_them(data_dir):
    smsd = Smsd(data_dir, "--auto-register=false").start()
    try:
        s, _, _ = smsd.request("POST", "/api/v1/servers",
                               {"server_id": "known-1", "server_name": "Known"})
        assert s == 201
        assert smsd.request("POST", "/healthcheck", {"server_id": "known-1"})[0] == 202
        assert smsd.request("POST", "/healthcheck", {"server_id": "stranger-1"})[0] == 202
        wait_for(lambda: smsd.server("known-1")["status"] == "on", 5, what="known on")

        def unknown_count():
            text = smsd.get("/metrics")[1]
            line = [ln for ln in text.splitlines() if ln.startswith("sms_heartbeats_unknown_total")]
            return line and float(line[0].split()[1]) == 1

        wait_for(unknown_count, 5, what="unknown heartbeat counted")
        assert smsd.get("/api/v1/servers/stranger-1")[0] == 404
        assert smsd.get("/api/v1/servers")[1]["total"] == 1
    finally:
        smsd.kill()


def test_oversized_headers_get_431(smsd):
    s, body, _ = smsd.request("GET", "/api/v1/servers", headers={"X-Filler": "y" * 20000})
    assert s == 431
    assert smsd.get("/healthz")[0] == 200


def test_threads_carry_names_an_operator_can_read(smsd):
    """`top -H` and `ps -L` tell smsd's threads apart: each thread names what it does."""
    def names():
        task = f"/proc/{smsd.proc.pid}/task"
        found = set()
        for tid in os.listdir(task):
            try:
                with open(f"{task}/{tid}/comm") as f:
                    found.add(f.read().strip())
            except FileNotFoundError:  # a thread that ended meanwhile
                pass
        return found
    expected = {"sms-http", "sms-worker", "sms-sweep", "sms-journal", "sms-checkpoint",
                "sms-alert-plan", "sms-alert-send", "sms-events", "sms-slow-work"}
    found = wait_for(lambda: names() if expected <= names() else None, 5, what="thread names")
    assert "smsd" in found  # the main thread keeps the program's name
