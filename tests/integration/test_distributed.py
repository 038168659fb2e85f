"""Split roles on the real engines: a crashed worker or a stopped ingest replica loses nothing."""
import concurrent.futures
import json
import os
import signal
import time
import urllib.request

import pytest

from cluster import Cluster, missing_engines
from conftest import wait_for
from test_embedded import post_heartbeats

pytestmark = pytest.mark.skipif(
    bool(missing_engines()),
    reason=f"{', '.join(missing_engines())} not set: start engines with scripts/services")


@pytest.fixture
def cluster():
    c = Cluster("--heartbeat-grace", "60")
    yield c
    c.kill()


def all_servers(c):
    stored, offset = {}, 0
    while True:
        s, page, _ = c.get(f"/api/v1/servers?limit=1000&offset={offset}")
        assert s == 200, page
        stored.update((srv["server_id"], srv) for srv in page["items"])
        offset += 1000
        if offset >= page["total"]:
            return stored


def search_count(cluster, prefix):
    """Heartbeat documents in the cluster's indices whose server_id starts with `prefix`."""
    url = os.environ["SMS_SEARCH_URL"].rstrip("/")
    urllib.request.urlopen(urllib.request.Request(f"{url}/{cluster.index_prefix}-*/_refresh",
                                                  method="POST"), timeout=30).read()
    body = json.dumps({"query": {"prefix": {"server_id": prefix}}}).encode()
    req = urllib.request.Request(f"{url}/{cluster.index_prefix}-*/_count", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, timeout=30))["count"]


def load(c, prefix, per_replica=3000, during=None):
    """Posts distinct heartbeats to every ingest replica; runs `during` mid-stream."""
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(post_heartbeats, c.healthchecks[w % 2].port,
                               [f"{prefix}{w}-{i}" for i in range(per_replica)])
                   for w in range(4)]
        if during:
            time.sleep(1.0)
            during()
        return [i for f in futures for i in f.result()]


def test_worker_killed_mid_stream_loses_nothing(cluster):
    prefix = f"k{cluster.tag}-"
    victim = cluster.workers[0]
    accepted = load(cluster, prefix, during=lambda: victim.stop(signal.SIGKILL))
    victim.start(timeout=60)
    assert len(accepted) > 1000
    stored = wait_for(lambda: (s := all_servers(cluster)) and len(s) >= len(accepted) and s,
                      120, interval=1, what="every accepted heartbeat in SQL")
    missing = [i for i in accepted if i not in stored]
    assert not missing, f"{len(missing)} lost, e.g. {missing[:5]}"
    if os.environ.get("SMS_SEARCH_URL"):
        # Redelivered after the crash, yet each heartbeat is one document (its id is the _id).
        assert wait_for(lambda: search_count(cluster, prefix) == len(accepted), 60, interval=1,
                        what="one document per accepted heartbeat")


def test_ingest_replica_stopped_mid_stream_loses_nothing(cluster):
    prefix = f"s{cluster.tag}-"
    victim = cluster.healthchecks[1]
    accepted = load(cluster, prefix, during=lambda: victim.stop(signal.SIGTERM))
    assert victim.proc.returncode == 0, "".join(victim.log)
    stored = wait_for(lambda: (s := all_servers(cluster)) and len(s) >= len(accepted) and s,
                      120, interval=1, what="every accepted heartbeat in SQL")
    missing = [i for i in accepted if i not in stored]
    assert not missing, f"{len(missing)} lost, e.g. {missing[:5]}"
    assert len(stored) - len(accepted) <= 4
