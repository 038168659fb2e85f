"""A distributed SMS on the real engines: 2 healthcheck + 2 worker + 1 management processes.

Needs the engines of scripts/services (SMS_DATABASE_URL, SMS_KAFKA_BROKERS, SMS_REDIS_URL and,
when set, SMS_SEARCH_URL in the environment). Each cluster gets its own PostgreSQL database
and its own Kafka topics, so clusters never see each other's data.
"""
import os
import subprocess
import tempfile
import urllib.request
import uuid

from conftest import ADMIN_PASSWORD, ADMIN_USER, Smsd

ENGINE_VARS = ("SMS_DATABASE_URL", "SMS_KAFKA_BROKERS", "SMS_REDIS_URL")


def missing_engines():
    return [v for v in ENGINE_VARS if not os.environ.get(v)]


class Cluster:
    def __init__(self, *args, healthchecks=2, workers=2, managements=1, mails=1,
                 before_start=None):
        self.tag = uuid.uuid4().hex[:10]
        base = os.environ["SMS_DATABASE_URL"]
        self.database = f"sms_it_{self.tag}"
        subprocess.run(["psql", base, "-qc", f"CREATE DATABASE {self.database}"], check=True)
        self.env = dict(os.environ)
        self.env["SMS_DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + self.database
        self.env["SMS_KAFKA_TOPIC_PREFIX"] = f"it-{self.tag}."
        self.index_prefix = f"it-{self.tag}-heartbeats"  # the cluster's own search indices
        self.env["SMS_SEARCH_INDEX_PREFIX"] = self.index_prefix
        # Every management replica signs and checks logins with the same secret.
        self.env["SMS_JWT_SECRET"] = uuid.uuid4().hex + uuid.uuid4().hex
        self.env.update(SMS_ADMIN_USER=ADMIN_USER, SMS_ADMIN_PASSWORD=ADMIN_PASSWORD)
        self.dir = tempfile.TemporaryDirectory(prefix="sms-cluster-")
        self.args = list(args)
        self.healthchecks = [self._proc("healthcheck") for _ in range(healthchecks)]
        self.workers = [self._proc("worker") for _ in range(workers)]
        self.managements = [self._proc("management") for _ in range(managements)]
        self.management = self.managements[0]
        self.mails = [self._proc("mail") for _ in range(mails)]
        if before_start:
            before_start(self)  # the database exists, no process runs yet
        for p in self.processes():
            p.start(timeout=60)

    def processes(self):
        return self.healthchecks + self.workers + self.managements + self.mails

    def _proc(self, role):
        return Smsd(self.dir.name, *self.args, role=role, env=self.env)

    # The gateway's routing: /healthcheck to the ingest replicas, the rest to management.
    @property
    def url(self):
        return self.healthchecks[0].url

    def agent_url(self, i):
        return self.healthchecks[i % len(self.healthchecks)].url

    @property
    def port(self):
        return self.management.port

    def request(self, method, path, body=None, headers=None, raw=None, auth=True):
        target = self.healthchecks[0] if path.startswith("/healthcheck") else self.management
        return target.request(method, path, body=body, headers=headers, raw=raw, auth=auth)

    def auth_header(self):
        return self.management.auth_header()

    def get(self, path):
        return self.request("GET", path)

    def server(self, server_id):
        return self.management.server(server_id)

    def kill(self):
        for p in self.processes():  # all drain at once, then each is waited for
            p.terminate()
        for p in self.processes():
            p.reap()
        self.dir.cleanup()
        base = os.environ["SMS_DATABASE_URL"]
        subprocess.run(["psql", base, "-qc", f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)"],
                       check=False)
        search = os.environ.get("SMS_SEARCH_URL", "").rstrip("/")
        for path in (f"/{self.index_prefix}-*", f"/_index_template/{self.index_prefix}"):
            try:
                urllib.request.urlopen(urllib.request.Request(search + path, method="DELETE"),
                                       timeout=30).read()
            except (OSError, ValueError):
                pass  # nothing was written, or no search backend
