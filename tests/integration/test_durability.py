"""A 202 means stored: smsd killed with SIGKILL under load loses no heartbeat it answered 202,
embedded (the journal under the data dir) and distributed (a healthcheck replica answers once
Kafka acknowledged; a worker commits only after its writes), and stores none twice."""
import http.client
import json
import os
import sqlite3
import subprocess
import threading
import time

import pytest

from conftest import Smsd

SENDERS = 4
LOAD_SECONDS = 2.0
CYCLES = 3


class Senders:
    """Keep-alive clients posting a new server_id per heartbeat; they record every id answered
    202 and stop at their first refused or broken request (the process was killed)."""

    def __init__(self, ports, prefix):
        self.ports = ports  # a function: the healthcheck ports to spread over, asked per connect
        self.prefix = prefix
        self.accepted = set()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,)) for i in range(SENDERS)]

    def _run(self, i):
        ports = self.ports()
        conn = http.client.HTTPConnection("127.0.0.1", ports[i % len(ports)], timeout=10)
        n = 0
        while not self.stop.is_set():
            server_id = f"{self.prefix}-{i}-{n}"
            n += 1
            body = json.dumps({"server_id": server_id, "hostname": server_id,
                               "interval": 3600})
            try:
                conn.request("POST", "/healthcheck", body=body,
                             headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                resp.read()
            except (OSError, http.client.HTTPException):
                return
            if resp.status != 202:
                return
            with self.lock:
                self.accepted.add(server_id)

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def join(self):
        self.stop.set()
        for t in self.threads:
            t.join(30)


def wait_stored(node, accepted, timeout):
    """Waits until every accepted id is listed; asserts, saying how many are missing."""
    deadline = time.time() + timeout
    while True:
        missing = accepted - stored_ids(node)
        if not missing or time.time() > deadline:
            break
        time.sleep(1)
    assert not missing, (f"{len(missing)} of {len(accepted)} heartbeats answered 202 are not "
                         f"stored, e.g. {sorted(missing)[:3]}")


def stored_ids(node):
    """Every server_id the management API lists."""
    ids, offset = set(), 0
    while True:
        status, body, _ = node.get(f"/api/v1/servers?limit=1000&offset={offset}&sort=server_id")
        assert status == 200, body
        ids.update(s["server_id"] for s in body["items"])
        offset += len(body["items"])
        if not body["items"] or offset >= body["total"]:
            return ids


def test_kill_9_of_smsd_all_loses_no_accepted_heartbeat(data_dir):
    args = ["--heartbeat-grace", "2"]
    accepted = set()
    for cycle in range(CYCLES):
        node = Smsd(data_dir, *args).start()
        senders = Senders(lambda: [node.port], f"kill{cycle}").start()
        time.sleep(LOAD_SECONDS)
        node.proc.kill()  # SIGKILL while the senders are mid-request
        node.proc.wait()
        senders.join()
        assert senders.accepted, "no heartbeat was accepted in cycle %d" % cycle
        accepted |= senders.accepted

    node = Smsd(data_dir, *args).start()
    try:
        wait_stored(node, accepted, 60)
        assert node.stop() == 0
    finally:
        node.kill()
    db = sqlite3.connect(os.path.join(data_dir, "sms.db"))
    stored = {r[0] for r in db.execute("SELECT server_id FROM servers")}
    assert accepted <= stored, f"{len(accepted - stored)} of {len(accepted)} accepted ids lost"
    # One heartbeat each (interval 3600): exactly one transition, however often it was replayed.
    twice = db.execute("SELECT s.server_id, count(*) FROM status_events e "
                       "JOIN servers s ON s.id = e.server GROUP BY e.server "
                       "HAVING count(*) > 1 LIMIT 5").fetchall()
    assert not twice, f"servers with more than one transition: {twice}"
    # The journal is trimmed once the worker committed past it: not every segment is kept.
    journal = os.path.join(data_dir, "journal")
    assert len(os.listdir(journal)) <= 2, os.listdir(journal)


def test_kill_9_of_a_healthcheck_replica_and_a_worker_on_kafka_loses_nothing():
    from cluster import Cluster, missing_engines
    if missing_engines():
        pytest.skip(f"{', '.join(missing_engines())} not set: start engines with scripts/services")
    cluster = Cluster("--heartbeat-grace", "2", healthchecks=2, workers=2)
    try:
        accepted = set()
        ports = lambda: [h.port for h in cluster.healthchecks]  # noqa: E731
        for cycle in range(CYCLES):
            senders = Senders(ports, f"kafka{cycle}").start()
            time.sleep(LOAD_SECONDS / 2)
            victims = [cluster.healthchecks[cycle % 2], cluster.workers[cycle % 2]]
            for v in victims:
                v.proc.kill()
                v.proc.wait()
            senders.join()
            accepted |= senders.accepted
            for v in victims:
                v.start(timeout=60)
        assert len(accepted) > 100, len(accepted)
        wait_stored(cluster.management, accepted, 120)
        twice = subprocess.run(
            ["psql", cluster.env["SMS_DATABASE_URL"], "-Atc",
             "SELECT count(*) FROM (SELECT server FROM status_events GROUP BY server "
             "HAVING count(*) > 1) d"], check=True, capture_output=True, text=True).stdout
        assert twice.strip() == "0", f"{twice.strip()} servers with more than one transition"
    finally:
        cluster.kill()
