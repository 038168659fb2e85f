"""The stack's gateway, run: deploy/Dockerfile's images built with podman (scripts/images), 2
healthcheck, 2 management, 2 worker and 1 mail container from them (host network, each on its
own 127.0.0.1 port) on the engines of scripts/services, behind a Traefik built from its source
(scripts/traefik) whose routers, middlewares, health checks and retries are deploy/stack.yml's
labels. Agents and API clients go only through Traefik; Traefik's API and access log, and the
containers' HEALTHCHECK, say what happened behind it.

The tests run in order on one system: the live event stream through the gateway, resumed on
the other management replica; 200 agents, then a healthcheck replica killed under their load,
then a rolling restart of the management replicas while a client polls the API."""
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
import urllib.request
import uuid
from datetime import datetime

import pytest

from gateway import LIMITS, Replica, Traefik, call, podman, wait_for
from load import Agents, OneShots, Poller
from sse import Sse, transition
from stackfile import ROLES, ROOT, environment, resolve, validator

ENGINE_VARS = ("SMS_DATABASE_URL", "SMS_KAFKA_BROKERS", "SMS_REDIS_URL", "SMS_SEARCH_URL",
               "SMS_SMTP_URL")
AGENTS = 200
# Seconds of silence past a heartbeat's interval before its server turns off (the stack's
# default is 30): short, so that servers go off within seconds for the event stream test; the
# agents' beats every 2 s stay well inside it.
GRACE = 4
STREAM = "/server-management/api/v1/events/stream"


def tool(argv, timeout):
    """Runs a scripts/ tool that builds what is missing; returns its stdout."""
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{argv[0]} failed:\n{done.stderr[-3000:]}"
    return done.stdout.strip()


@pytest.fixture(scope="module")
def stack():
    missing = [v for v in ENGINE_VARS if not os.environ.get(v)]
    if missing:
        pytest.skip(f"{', '.join(missing)} not set: start the engines with scripts/services")
    if not shutil.which("podman") or validator() is None:
        pytest.skip("podman or the docker CLI is missing: run scripts/install-deps")
    return resolve(validator())


@pytest.fixture(scope="module")
def images(stack):
    """(smsd image, agent image), built from deploy/Dockerfile when the sources changed."""
    return tuple(tool([os.path.join(ROOT, "scripts", "images")], timeout=2400).split())


@pytest.fixture(scope="module")
def traefik_bin(stack):
    return tool([os.path.join(ROOT, "scripts", "traefik")], timeout=1800)


class System:
    """The stack's SMS services on their own PostgreSQL database, Kafka topics and search
    indices, behind Traefik."""

    def __init__(self, stack, image, traefik_bin, workdir):
        self.stack, self.image, self.workdir = stack, image, workdir
        self.tag = uuid.uuid4().hex[:8]
        self.database = f"sms_gw_{self.tag}"
        self.index_prefix = f"gw-{self.tag}-heartbeats"
        self.agent_token = secrets.token_hex(16)
        self.admin_password = secrets.token_hex(12)
        self.replicas = {role: [] for role in ROLES}
        self.traefik = Traefik(traefik_bin, stack, workdir)

    def overrides(self):
        """The settings that name this site's engines and mail server, and keep the run apart."""
        env = {var: os.environ[var] for var in ENGINE_VARS if var != "SMS_DATABASE_URL"}
        return dict(env, SMS_SMTP_STARTTLS="try", SMS_ADMIN_EMAILS="",  # Mailpit has no TLS
                    SMS_HEARTBEAT_GRACE=str(GRACE),
                    SMS_KAFKA_TOPIC_PREFIX=f"gw-{self.tag}.",
                    SMS_SEARCH_INDEX_PREFIX=self.index_prefix)

    @property
    def database_url(self):
        return os.environ["SMS_DATABASE_URL"].rsplit("/", 1)[0] + "/" + self.database

    def write_secrets(self):
        values = {"sms_database_url": self.database_url,
                  "sms_jwt_secret": secrets.token_hex(32), "sms_agent_tokens": self.agent_token,
                  "sms_admin_password": self.admin_password, "sms_smtp_password": "unused",
                  "sms_postgres_password": "unused"}
        assert set(values) == set(self.stack["secrets"])
        self.secret_dir = os.path.join(self.workdir, "secrets")
        os.makedirs(self.secret_dir)
        for name, value in values.items():
            with open(os.path.join(self.secret_dir, name), "w") as f:
                f.write(value + "\n")
            os.chmod(os.path.join(self.secret_dir, name), 0o644)  # the image's uid reads it

    def replica(self, role):
        return Replica(self.stack, role, self.image, self.tag, self.secret_dir, self.overrides())

    def start(self):
        subprocess.run(["psql", os.environ["SMS_DATABASE_URL"], "-qc",
                        f"CREATE DATABASE {self.database}"], check=True, timeout=60)
        self.write_secrets()
        for role, count in ROLES.items():
            self.replicas[role] = [self.replica(role).start() for _ in range(count)]
        for r in self.all_replicas():
            r.wait_healthy()
        self.traefik.start(self.servers())
        return self

    def all_replicas(self):
        return [r for rs in self.replicas.values() for r in rs]

    def servers(self):
        return {role: [r.url for r in replicas] for role, replicas in self.replicas.items()}

    @property
    def port(self):
        return self.traefik.ports["web"]

    def api(self, method, path, token, body=None):
        return call(self.port, method, "/server-management/api/v1" + path, body,
                    {"Authorization": f"Bearer {token}"})

    def login(self):
        user = environment(self.stack["services"]["management"])["SMS_ADMIN_USER"]
        status, body = call(self.port, "POST", "/server-management/api/v1/auth/login",
                            {"username": user, "password": self.admin_password})
        assert status == 200, body
        return body["access_token"]

    def inventory(self, token):
        """{server_id: server} of every server, paged through the gateway."""
        found, offset = {}, 0
        while True:
            status, body = self.api("GET", f"/servers?sort=server_id&limit=1000&offset={offset}",
                                    token)
            assert status == 200, body
            found.update((s["server_id"], s) for s in body["items"])
            offset += len(body["items"])
            if not body["items"] or offset >= body["total"]:
                return found

    def beat(self, server_id):
        """One heartbeat through the gateway, interval 1 s: its server is on, and turns off
        1 + GRACE s after the last one."""
        status, body = call(self.port, "POST", "/healthcheck",
                            {"server_id": server_id, "hostname": server_id, "interval": 1},
                            {"Authorization": f"Bearer {self.agent_token}"})
        assert status == 202, body

    def transitions(self, after, upto=None):
        """The transitions committed with seq in (after, upto], by seq, as the database holds
        them: [(seq, server_id, "on" | "off")]."""
        query = ("SELECT e.seq, s.server_id, CASE e.status WHEN 1 THEN 'on' ELSE 'off' END "
                 "FROM status_events e JOIN servers s ON s.id = e.server "
                 f"WHERE e.seq > {int(after)} AND e.seq <= {upto or 2**62} ORDER BY e.seq")
        done = subprocess.run(["psql", self.database_url, "-AtF,", "-c", query],
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        rows = [line.split(",") for line in done.stdout.splitlines()]
        return [(int(seq), sid, status) for seq, sid, status in rows]

    def keep_logs(self, folder):
        """Writes every container's log beside Traefik's logs (in the work folder)."""
        for r in self.all_replicas():
            with open(os.path.join(folder, f"{r.name}.log"), "w") as f:
                f.write(r.logs(lines=400))

    def cleanup(self):
        t0 = time.time()
        self.traefik.stop()
        ids = podman("ps", "-aq", "--filter", f"label=sms-gateway-test={self.tag}", check=False)
        if ids.stdout.split():
            podman("rm", "-f", "-t", "0", *ids.stdout.split(), check=False, timeout=120)
        subprocess.run(["psql", os.environ["SMS_DATABASE_URL"], "-qc",
                        f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)"], timeout=60)
        search = os.environ["SMS_SEARCH_URL"].rstrip("/")
        for path in (f"/{self.index_prefix}-*", f"/_index_template/{self.index_prefix}"):
            try:
                urllib.request.urlopen(urllib.request.Request(search + path, method="DELETE"),
                                       timeout=30).read()
            except OSError:
                pass  # nothing was written
        print(f"cleanup took {time.time() - t0:.1f} s")


@pytest.fixture(scope="module")
def system(request, stack, images, traefik_bin):
    workdir = tempfile.mkdtemp(prefix="sms-gateway-")
    os.chmod(workdir, 0o755)  # the containers' uid reads the secrets below it
    s = System(stack, images[0], traefik_bin, workdir)
    failed = request.session.testsfailed
    try:
        yield s.start()
    finally:
        if request.session.testsfailed > failed or not s.traefik.proc:
            s.keep_logs(workdir)
            reporter = request.config.pluginmanager.get_plugin("terminalreporter")
            reporter.write_line(f"gateway test: containers' and Traefik's logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
        s.cleanup()


@pytest.fixture(scope="module")
def agents(system):
    fleet = Agents(system.port, system.agent_token, AGENTS, f"gw-agent-{system.tag}").start()
    yield fleet
    fleet.stop()


def parse_time(text):
    """Seconds since the epoch of an RFC 3339 time (Traefik writes nanoseconds)."""
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def test_the_images_run_as_the_stack_says(system, images):
    for image in images:
        config = podman("image", "inspect", "--format", "{{json .Config}}", image).stdout
        assert '"User":"1000' in config.replace(" ", ""), config  # not root
        # Every library the binary links is in the image.
        done = podman("run", "--rm", "--network", "host", *LIMITS, image, "--version",
                      check=False)
        assert done.returncode == 0 and "0." in done.stdout, done.stdout + done.stderr
    health = podman("image", "inspect", "--format", "{{json .Config.Healthcheck.Test}}",
                    images[0]).stdout.strip()
    assert health == '["CMD","smsd","probe"]'  # kept: the image is in docker format
    for r in system.all_replicas():
        assert r.healthy(), r.name
    # What Traefik loaded is what the labels say.
    routers = {r["name"]: r for r in system.traefik.api("/http/routers")}
    assert routers["healthcheck@file"]["rule"] == "Path(`/healthcheck`)"
    assert routers["management@file"]["rule"] == "PathPrefix(`/server-management`)"
    assert routers["management@file"]["middlewares"] == ["management-strip@file",
                                                        "management-retry@file"]
    for name in ("healthcheck", "management"):
        assert routers[f"{name}@file"]["status"] == "enabled"
        status = system.traefik.server_status(name)
        assert status == {url: "UP" for url in system.servers()[name]}
    assert call(system.port, "GET", "/metrics")[0] == 404  # only the two routes are public


def test_the_dashboard_works_behind_the_gateways_prefix(system):
    # Traefik strips /server-management and says so in X-Forwarded-Prefix: the page's <base>
    # points at the prefix, so its relative URLs come back through the gateway.
    status, page = call(system.port, "GET", "/server-management/")
    assert status == 200, page
    assert '<base href="/server-management/">' in page, page[:400]
    for asset in ("ui/app.js", "ui/app.css"):
        status, body = call(system.port, "GET", "/server-management/" + asset)
        assert status == 200 and body, (asset, status)


def received(events):
    """(seq, server_id, status) of each transition among `events`, as the stream sent it."""
    out = []
    for e in filter(transition, events):
        data = json.loads(e["data"])
        assert int(e["id"]) == data["seq"], e
        out.append((data["seq"], data["server_id"], data["status"]))
    return out


def stream_replica(system, n):
    """The replica URL that served the n-th event stream through the gateway (from 1), once it
    has ended: Traefik logs a request when it is over."""
    def served():
        urls = [r.get("ServiceURL") for r in system.traefik.requests()
                if r.get("RequestPath") == STREAM]
        return len(urls) >= n and urls[n - 1]

    return wait_for(served, 10, f"event stream {n} in Traefik's access log")


def resume(port, path, headers, after, mark):
    """Reconnects with Last-Event-ID: `after`, runs mark() (which commits one more transition
    and returns its server_id) once the stream is ready, and returns every transition received
    up to that one's."""
    stream = Sse(port, {**headers, "Last-Event-ID": str(after)}, path, timeout=15)
    try:
        assert stream.resp.status == 200, stream.resp.read()
        ready, seen = stream.until(lambda e: e.get("event") == "ready", 10)
        assert int(ready["id"]) == after and not received(seen)  # the stream starts after it
        server_id = mark()
        _, more = stream.until(lambda e: transition(e, server_id), 20)
        return received(more)
    finally:
        stream.close()


def watch(system, headers, a, b):
    """Streams through the gateway while server a goes on and off (b on meanwhile, to go off a
    little after a); checks the stream against the database and returns the id of a's "off",
    the last event the client got: what EventSource sends as Last-Event-ID when it reconnects."""
    live = Sse(system.port, headers, STREAM, timeout=15)
    try:
        assert live.resp.status == 200, live.resp.read()
        assert live.resp.getheader("Content-Type").startswith("text/event-stream")
        assert live.resp.getheader("Content-Encoding") is None
        # Each event arrives while the connection stays open: nothing waits for its end.
        ready, _ = live.until(lambda e: e.get("event") == "ready", 10)
        system.beat(a)
        _, seen = live.until(lambda e: transition(e, a, "on"), 20)
        system.beat(b)
        off, more = live.until(lambda e: transition(e, a, "off"), 20)
    finally:
        live.close()
    assert received(seen + more) == system.transitions(int(ready["id"]), int(off["id"]))
    return int(off["id"])


def marker(system, token):
    """A function that commits one more transition (a server created through the API, off)
    and returns its server_id."""
    marks = iter(range(100))

    def mark():
        server_id = f"gw-live-{system.tag}-m{next(marks)}"
        status, body = system.api("POST", "/servers", token,
                                  {"server_id": server_id, "server_name": server_id})
        assert status == 201, body
        return server_id

    return mark


def test_the_event_stream_through_the_gateway_resumes_on_the_other_replica(system):
    token = system.login()
    # As a browser asks: the stream must come back unbuffered and uncompressed all the same.
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip, deflate, br"}
    a, b, c = (f"gw-live-{system.tag}-{n}" for n in "abc")
    last = watch(system, headers, a, b)
    first = stream_replica(system, 1)
    # While nobody listens: b goes off, a comes back, c appears.
    system.beat(a)
    system.beat(c)
    wanted = {(b, "off"), (a, "on"), (c, "on")}
    wait_for(lambda: wanted <= {t[1:] for t in system.transitions(last)}, 30,
             "the transitions made while disconnected to commit", 0.3)
    mark = marker(system, token)
    # Each replica, asked directly, sends every transition after `last` once, in commit order.
    for replica in system.replicas["management"]:
        got = resume(replica.port, "/api/v1/events/stream", headers, last, mark)
        assert got == system.transitions(last, got[-1][0]), replica.name
    # Through the gateway, on the replica that did not serve the first stream: Traefik balances
    # round robin, so a reconnect or two lands there.
    for attempt in range(2, 7):
        got = resume(system.port, STREAM, headers, last, mark)
        assert got == system.transitions(last, got[-1][0]), f"reconnect {attempt}"
        if stream_replica(system, attempt) != first:
            break
    else:
        raise AssertionError(f"every reconnect through the gateway went to {first}")


def test_heartbeats_from_200_agents_are_all_stored(system, agents, images):
    # One more agent: sms-agent itself, from its image.
    image_agent = f"gw-image-agent-{system.tag}"
    podman("run", "-d", "--name", image_agent, "--label", f"sms-gateway-test={system.tag}",
           "--network", "host", *LIMITS, "-e", f"SMS_AGENT_TOKEN={system.agent_token}",
           images[1], "--url", f"http://127.0.0.1:{system.port}/healthcheck",
           "--server-id", image_agent, "--interval", "2")
    wait_for(lambda: all(agents.accepted.values()), 60, "a 202 for every agent")
    token = system.login()

    def all_on():
        servers = system.inventory(token)
        return all(servers.get(sid, {}).get("status") == "on"
                   for sid in agents.ids + [image_agent])

    wait_for(all_on, 60, "every agent's server on in the inventory", 1)
    # Both healthcheck replicas took heartbeats.
    served = {r.get("ServiceURL") for r in system.traefik.requests()
              if r.get("RouterName") == "healthcheck@file" and r.get("DownstreamStatus") == 202}
    assert served == set(system.servers()["healthcheck"])


def test_a_healthcheck_replica_killed_under_load_loses_no_accepted_heartbeat(system, agents):
    token = system.login()
    oneshots = OneShots(system.port, system.agent_token, f"gw-once-{system.tag}").start()
    time.sleep(2)
    dead = system.replicas["healthcheck"][0]
    killed_at = time.time()
    dead.kill()  # kill -9: no drain, no goodbye
    wait_for(lambda: system.traefik.server_status("healthcheck").get(dead.url) == "DOWN", 20,
             "Traefik's health check to mark the killed replica DOWN")
    down_at = time.time()
    time.sleep(4)
    oneshots.stop()
    # Traefik stopped sending to it once its health check failed.
    after = [r for r in system.traefik.requests() if r.get("RouterName") == "healthcheck@file"
             and parse_time(r["StartUTC"]) > down_at]
    assert after and all(r.get("ServiceURL") != dead.url for r in after)
    # Agents whose heartbeats failed retried, and the retries landed.
    failed = agents.failures_since(killed_at)
    for sid in failed:
        assert wait_for(lambda: agents.accepted[sid][-1] > failed[sid][-1][0], 30,
                        f"{sid}'s retry to land")
    # Nothing answered 202 was lost: every one-shot server, and every agent's last heartbeat.
    assert oneshots.accepted and not oneshots.unanswered

    last_accepted = {sid: times[-1] for sid, times in agents.accepted.items()}

    def stored():
        servers = system.inventory(token)
        return (all(sid in servers for sid in oneshots.accepted) and
                all(parse_time(servers[sid]["last_seen"]) >= t - 0.001  # stored in ms
                    for sid, t in last_accepted.items()))

    wait_for(stored, 60, "every 202'd heartbeat in the inventory", 1)
    kinds = sorted({str(f[1])[:60] for fails in failed.values() for f in fails})
    print(f"kill -9 under load: {len(oneshots.accepted)} one-shot heartbeats accepted, "
          f"{oneshots.failures} one-shot and {sum(len(f) for f in failed.values())} agent "
          f"requests not answered 202 ({kinds}), each resent and accepted")
    # Back in rotation once it runs again (swarm would start a new task).
    podman("start", dead.name)
    dead.wait_healthy()
    wait_for(lambda: system.traefik.server_status("healthcheck").get(dead.url) == "UP", 20,
             "Traefik to mark the restarted replica UP")


def replace(system, old):
    """What swarm does for one task of an update with order start-first: start the new one,
    wait for its HEALTHCHECK, let the gateway see it, stop the old one (SIGTERM), and drop it
    from the gateway once it is gone."""
    role = system.replicas[old.role]
    new = system.replica(old.role).start().wait_healthy()
    role.append(new)
    system.traefik.configure(system.servers())
    wait_for(lambda: system.traefik.server_status(old.role).get(new.url) == "UP", 20,
             "Traefik to add the new replica")
    old.stop()
    role.remove(old)
    system.traefik.configure(system.servers())
    return new


def test_a_rolling_restart_of_management_fails_no_call_and_keeps_the_jwt(system, agents):
    token = system.login()
    poll_path = "/server-management/api/v1/servers?limit=1"
    poller = Poller(system.port, poll_path, token).start()
    time.sleep(1)
    olds = list(system.replicas["management"])
    for old in olds:
        assert call(old.port, "GET", "/api/v1/servers?limit=1",
                    headers={"Authorization": f"Bearer {token}"})[0] == 200, old.name
        replace(system, old)
        time.sleep(1)  # update_config's delay, shortened
    time.sleep(2)
    poller.stop()
    assert poller.calls > 100
    assert poller.failed == [], f"{len(poller.failed)} of {poller.calls} calls failed"
    # The one JWT worked on every replica, old and new, through the gateway and directly.
    served = {r.get("ServiceURL") for r in system.traefik.requests()
              if r.get("RequestPath") == poll_path and r.get("DownstreamStatus") == 200}
    assert served == {r.url for r in olds + system.replicas["management"]}
    for new in system.replicas["management"]:
        assert call(new.port, "GET", "/api/v1/servers?limit=1",
                    headers={"Authorization": f"Bearer {token}"})[0] == 200, new.name
    print(f"rolling restart: {poller.calls} calls through the gateway, none failed")
