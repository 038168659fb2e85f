"""The pieces of the gateway test (test_gateway.py): SMS containers run from the images with
podman, each on the host network at its own 127.0.0.1 port, and a Traefik whose routers,
middlewares and services are the ones deploy/stack.yml's labels give its swarm provider."""
import http.client
import json
import os
import socket
import subprocess

import yaml

from stackfile import environment, labels, wait_for  # noqa: F401  (test_gateway imports it)

# crun fails on this machine's hybrid cgroups; podman's default ulimits are refused.
PODMAN = ["podman", "--runtime", "/usr/sbin/runc"]
LIMITS = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=4096:4096"]
# Fields of Traefik's dynamic configuration that are lists: labels write them comma-separated,
# the file provider wants YAML lists.
LIST_FIELDS = {"entrypoints", "middlewares", "prefixes"}


def free_port():
    """A loopback port nothing listens on now (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def podman(*args, timeout=60, check=True):
    done = subprocess.run([*PODMAN, *args], capture_output=True, text=True, timeout=timeout)
    if check:
        assert done.returncode == 0, f"podman {' '.join(args)}:\n{done.stderr}"
    return done


def call(port, method, path, body=None, headers=None, timeout=10):
    """One request on a new connection to 127.0.0.1:port: (status, JSON or text body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        text = resp.read()
    finally:
        conn.close()
    try:
        return resp.status, json.loads(text) if text else None
    except ValueError:
        return resp.status, text.decode(errors="replace")


def seconds(duration):
    """Compose's "30s" / "1m30s" in seconds."""
    total, number = 0, ""
    for c in str(duration):
        if c.isdigit():
            number += c
        else:
            total += int(number) * {"h": 3600, "m": 60, "s": 1}[c]
            number = ""
    return total + int(number or 0)


class Replica:
    """One container of an smsd service of the stack: the stack's command (the gateway's subnet
    as trusted proxy becomes 127.0.0.1, where Traefik connects from), its environment with
    `overrides` (where the engines are), and its docker secrets mounted from `secret_dir`."""

    def __init__(self, stack, role, image, tag, secret_dir, overrides):
        self.stack, self.role, self.image = stack, role, image
        self.service = stack["services"][role]
        self.port = free_port()
        self.name = f"sms-gw-{tag}-{role}-{self.port}"
        self.tag, self.secret_dir, self.overrides = tag, secret_dir, overrides

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def command(self):
        subnet = self.stack["networks"]["gateway"]["ipam"]["config"][0]["subnet"]
        return ["127.0.0.1/32" if arg == subnet else arg for arg in self.service["command"]]

    def run_args(self):
        env = dict(environment(self.service), **self.overrides,
                   SMS_LISTEN=f"127.0.0.1:{self.port}")
        args = ["--name", self.name, "--label", f"sms-gateway-test={self.tag}",
                "--network", "host", *LIMITS,
                "--stop-timeout", str(seconds(self.service.get("stop_grace_period", "10s")))]
        for key, value in sorted(env.items()):
            args += ["-e", f"{key}={value}"]
        for secret in self.service.get("secrets", []):
            name = secret["source"] if isinstance(secret, dict) else secret
            args += ["-v", f"{os.path.join(self.secret_dir, name)}:/run/secrets/{name}:ro"]
        return args

    def start(self):
        podman("run", "-d", *self.run_args(), self.image, *self.command())
        return self

    def healthy(self):
        """The image's HEALTHCHECK (smsd probe), run as the engine would run it."""
        return podman("healthcheck", "run", self.name, check=False, timeout=30).returncode == 0

    def wait_healthy(self, timeout=60):
        try:
            wait_for(self.healthy, timeout, f"{self.name} to pass its HEALTHCHECK", 0.3)
        except AssertionError as e:
            raise AssertionError(f"{e}\n{self.logs()}") from None
        return self

    def logs(self, lines=30):
        done = podman("logs", "--tail", str(lines), self.name, check=False)
        return done.stdout + done.stderr

    def kill(self):
        podman("kill", "--signal", "KILL", self.name)

    def stop(self):
        """SIGTERM, then SIGKILL after the stack's stop_grace_period, as swarm stops a task."""
        podman("stop", self.name, timeout=120)


def dynamic_config(stack, servers):
    """Traefik's dynamic configuration from the stack's traefik.http.* labels, each a key path
    (as the swarm provider reads it), with each service's servers (`servers[service]`, URLs)
    where the swarm provider puts its tasks' addresses and `loadbalancer.server.port`."""
    config = {}
    for service in stack["services"].values():
        for key, value in labels(service).items():
            if not key.startswith("traefik.http."):
                continue
            *path, leaf = key.split(".")[1:]
            node = config
            for part in path:
                node = node.setdefault(part, {})
            assert leaf in LIST_FIELDS or "," not in value, f"{key}: a list? see LIST_FIELDS"
            node[leaf] = value.split(",") if leaf in LIST_FIELDS else value
    for name, service in config["http"]["services"].items():
        lb = service["loadbalancer"]
        assert lb.pop("server") == {"port": "8080"}, name  # the image's SMS_LISTEN port
        lb["servers"] = [{"url": url} for url in servers[name]]
    return config


class Traefik:
    """A Traefik process with the static configuration of the stack's traefik command: its
    entry points on 127.0.0.1 ports, the file provider (dynamic_config) instead of the swarm
    one, the API on the `traefik` entry point and the access log in JSON."""

    def __init__(self, binary, stack, workdir):
        self.binary, self.stack = binary, stack
        self.conf_dir = os.path.join(workdir, "traefik.d")
        self.access_log = os.path.join(workdir, "access.log")
        self.log_path = os.path.join(workdir, "traefik.log")
        self.api_port = free_port()
        self.ports = {}
        self.proc = None
        self.routers = set()

    def static_args(self):
        args = []
        for flag in self.stack["services"]["traefik"]["command"]:
            key, _, value = flag.partition("=")
            if key.startswith("--providers."):
                continue
            if key.startswith("--entrypoints.") and key.endswith(".address"):
                self.ports[key.split(".")[1]] = port = free_port()
                value = f"127.0.0.1:{port}"
            args.append(f"{key}={value}" if value else key)
        return args + [
            f"--providers.file.directory={self.conf_dir}", "--providers.file.watch=true",
            f"--entrypoints.traefik.address=127.0.0.1:{self.api_port}", "--api.insecure=true",
            f"--accesslog.filepath={self.access_log}", "--accesslog.format=json",
            "--global.checknewversion=false", "--global.sendanonymoususage=false"]

    def configure(self, servers):
        """Writes the dynamic configuration at once (a rename); Traefik watches the folder."""
        os.makedirs(self.conf_dir, exist_ok=True)
        tmp = os.path.join(self.conf_dir, ".stack.yml.tmp")
        config = dynamic_config(self.stack, servers)
        self.routers = {f"{name}@file" for name in config["http"]["routers"]}
        with open(tmp, "w") as f:
            yaml.safe_dump(config, f)
        os.replace(tmp, os.path.join(self.conf_dir, "stack.yml"))

    def start(self, servers):
        self.configure(servers)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([self.binary, *self.static_args()], stdout=log,
                                         stderr=subprocess.STDOUT)
        wait_for(lambda: self.ping(), 30, "Traefik's /ping")
        # The file provider loads the configuration a few seconds after Traefik answers: until
        # then every route is a 404.
        wait_for(lambda: self.routers <= {r["name"] for r in self.api("/http/routers") or []},
                 30, "Traefik to load the stack's routers", 0.2)
        return self

    def ping(self):
        assert self.proc.poll() is None, "traefik exited:\n" + self.log()
        try:
            return call(self.api_port, "GET", "/ping", timeout=2)[0] == 200
        except OSError:
            return False

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return "".join(f.readlines()[-30:])

    def api(self, path):
        status, body = call(self.api_port, "GET", "/api" + path)
        return body if status == 200 else None

    def server_status(self, service):
        """{server URL: "UP" | "DOWN"} of a service, as Traefik's health checks see it."""
        body = self.api(f"/http/services/{service}@file") or {}
        return body.get("serverStatus", {})

    def requests(self):
        """The access log: one dict per request Traefik answered."""
        with open(self.access_log) as f:
            return [json.loads(line) for line in f if line.strip()]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
