"""The .deb packages of `make package`, installed with apt into a fresh Debian 12 container
(podman, the image of scripts/base-images), as an administrator would: apt resolves their
Depends from Debian's mirror, the maintainer scripts create the users and directories,
`systemd-analyze verify` accepts the units, a changed conffile survives an upgrade, and then
each unit's ExecStart runs as the unit's User with its EnvironmentFile (systemd is not PID 1 in
a container) until the agent's heartbeat shows through smsd's API: the server is listed, on.

The packages come from the Release build (`make package`, which `make test` runs first): the
directory is $SMS_PACKAGE_DIR. apt's lists and downloaded .debs are cached between runs in
${SMS_CACHE_DIR:-~/.cache/sms}/apt."""
import configparser
import glob
import http.client
import json
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGES = os.environ.get("SMS_PACKAGE_DIR", os.path.join(ROOT, "build", "packages"))
CACHE = os.path.join(os.environ.get("SMS_CACHE_DIR") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "sms"), "apt")
IMAGE = "docker.io/library/debian:bookworm-slim"
PODMAN_RUN = ["podman", "run", "--runtime", "/usr/sbin/runc", "--ulimit", "nofile=20000:20000",
              "--ulimit", "nproc=4096:4096", "--network", "host"]
SERVER_ID = "package-test-01"
TOKEN = "package-test-token-0123"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, timeout=120, check=True, **kw):
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and done.returncode != 0:
        pytest.fail(f"{shlex.join(cmd)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def deb(name):
    found = sorted(glob.glob(os.path.join(PACKAGES, f"{name}_*.deb")), key=os.path.getmtime)
    if not found:
        pytest.fail(f"no {name}_*.deb in {PACKAGES}: run `make package` (make test does)")
    return found[-1]


class Container:
    """A Debian 12 container on the host's network, removed by close()."""

    def __init__(self):
        self.name = f"sms-package-test-{os.getpid()}"
        os.makedirs(os.path.join(CACHE, "archives", "partial"), exist_ok=True)
        os.makedirs(os.path.join(CACHE, "lists", "partial"), exist_ok=True)
        run(["podman", "rm", "-f", "-t", "0", self.name], check=False)
        # It outlives a test run killed by its timeout by at most 15 minutes.
        run(PODMAN_RUN + ["-d", "--rm", "--name", self.name,
                          "-v", f"{PACKAGES}:/packages:ro",
                          "-v", f"{CACHE}/archives:/var/cache/apt/archives",
                          "-v", f"{CACHE}/lists:/var/lib/apt/lists",
                          IMAGE, "sleep", "900"])

    def sh(self, script, timeout=120, check=True, user=None, env=None, detach=False):
        cmd = ["podman", "exec"]
        for k, v in (env or {}).items():
            cmd += ["--env", f"{k}={v}"]
        if user:
            cmd += ["--user", user]
        if detach:
            cmd.append("--detach")
        return run(cmd + [self.name, "sh", "-c", script], timeout=timeout, check=check)

    def read(self, path):
        return self.sh(f"cat {shlex.quote(path)}").stdout

    def close(self):
        run(["podman", "rm", "-f", "-t", "0", self.name], check=False)


def unit_service(text):
    """The [Service] section of a unit file as a dict (the last value of a repeated key)."""
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str
    parser.read_string(text)
    return dict(parser["Service"])


def environment_file(text):
    """KEY=value lines as systemd's EnvironmentFile= reads them (comments and blanks aside)."""
    env = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        env[key.strip()] = value
    return env


def start_unit(box, unit, log):
    """Runs a unit's ExecStart in the container as its User, in its WorkingDirectory, with its
    EnvironmentFile, output to `log`."""
    service = unit_service(box.read(f"/usr/lib/systemd/system/{unit}"))
    argv = shlex.split(service["ExecStart"])
    assert argv[0].startswith("/"), service["ExecStart"]
    env = environment_file(box.read(service["EnvironmentFile"].lstrip("-")))
    cd = f"cd {shlex.quote(service['WorkingDirectory'])} && " if "WorkingDirectory" in service \
        else ""
    box.sh(f"{cd}exec {shlex.join(argv)} >{log} 2>&1", user=service["User"], env=env,
           detach=True)
    return service


def api(port, method, path, body=None, token=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers=headers)
    resp = conn.getresponse()
    text = resp.read()
    conn.close()
    return resp.status, json.loads(text) if text else None


def wait_for(what, predicate, timeout):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except (OSError, http.client.HTTPException) as e:
            last = e
        time.sleep(0.5)
    pytest.fail(f"{what} not seen within {timeout} s (last: {last!r})")


@pytest.fixture(scope="module")
def debs():
    return {"smsd": deb("smsd"), "sms-agent": deb("sms-agent")}


@pytest.fixture(scope="module")
def box():
    run([os.path.join(ROOT, "scripts", "base-images")], timeout=900)
    container = Container()
    try:
        yield container
    finally:
        container.close()


def test_depends_name_the_debian_libraries(debs):
    smsd = run(["dpkg-deb", "-f", debs["smsd"], "Depends"]).stdout
    for lib in ["libpqxx-6.4", "libsqlite3-0", "librdkafka++1", "libhiredis0.14", "libcurl4",
                "libsodium23", "libspdlog1.10", "libboost-json1.81.0", "libutf8proc2", "adduser",
                "tzdata"]:
        assert lib in smsd, smsd
    agent = run(["dpkg-deb", "-f", debs["sms-agent"], "Depends"]).stdout
    assert "libstdc++6" in agent and "adduser" in agent, agent
    assert "libpqxx" not in agent, agent
    for name, path in debs.items():
        conffiles = run(["dpkg-deb", "--info", path, "conffiles"]).stdout
        assert conffiles.split() == [f"/etc/default/{name}"], conffiles


def test_systemd_analyze_verifies_the_units(debs):
    with tempfile.TemporaryDirectory() as root:
        # The units systemd's own (sysinit.target, ...) that verify resolves, then the packages:
        # verify finds their ExecStart binaries under --root.
        shutil.copytree("/usr/lib/systemd/system", os.path.join(root, "usr/lib/systemd/system"),
                        symlinks=True)
        for path in debs.values():
            run(["dpkg-deb", "-x", path, root])
        units = [os.path.join(root, "usr/lib/systemd/system", unit)
                 for unit in ("smsd.service", "sms-agent.service")]
        done = run(["systemd-analyze", "verify", f"--root={root}"] + units, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stderr.strip() == "", done.stderr


def test_installed_units_run_until_the_heartbeat_shows(debs, box):
    started = time.monotonic()
    box.sh("apt-get update -qq", timeout=300)
    box.sh("DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
           "-o Binary::apt::APT::Keep-Downloaded-Packages=true "
           f"/packages/{os.path.basename(debs['smsd'])} "
           f"/packages/{os.path.basename(debs['sms-agent'])}", timeout=600)
    installed = time.monotonic()
    for user, home in (("sms", "/var/lib/sms"), ("sms-agent", "/nonexistent")):
        entry = box.sh(f"getent passwd {user}").stdout.split(":")
        assert entry[5] == home and entry[6].strip() == "/usr/sbin/nologin", entry
    assert box.sh("stat -c '%U:%G %a' /var/lib/sms /etc/sms /etc/sms-agent").stdout.split(
        "\n")[:3] == ["sms:sms 750", "root:sms 750", "root:sms-agent 750"]
    # Enabled as Debian's packages enable theirs: systemd starts both at boot.
    wants = box.sh("ls /etc/systemd/system/multi-user.target.wants").stdout.split()
    assert {"smsd.service", "sms-agent.service"} <= set(wants), wants

    # Configure as DEPLOY.md says: smsd on a free port with an agent token, the agent pointed
    # at it with the token in its file.
    port = free_port()
    box.sh(f"""set -e
        sed -i 's|^SMS_LISTEN=.*|SMS_LISTEN=127.0.0.1:{port}|' /etc/default/smsd
        install -m 0640 -o root -g sms /dev/null /etc/sms/agent-tokens
        echo {TOKEN} > /etc/sms/agent-tokens
        sed -i 's|^#SMS_AGENT_TOKENS=|SMS_AGENT_TOKENS=|' /etc/default/smsd
        sed -i 's|^SMS_AGENT_URL=.*|SMS_AGENT_URL=http://127.0.0.1:{port}/healthcheck|' \
            /etc/default/sms-agent
        install -m 0640 -o root -g sms-agent /dev/null /etc/sms-agent/token
        echo {TOKEN} > /etc/sms-agent/token
        sed -i 's|^#SMS_AGENT_TOKEN_FILE=|SMS_AGENT_TOKEN_FILE=|' /etc/default/sms-agent
        sed -i 's|^#SMS_AGENT_SERVER_ID=.*|SMS_AGENT_SERVER_ID={SERVER_ID}|' /etc/default/sms-agent
        """)
    # An upgrade (here: the same version again) keeps the administrator's settings.
    box.sh("dpkg -i /packages/*.deb", timeout=300)
    assert f"SMS_LISTEN=127.0.0.1:{port}" in box.read("/etc/default/smsd")
    assert "\nSMS_AGENT_TOKEN_FILE=/etc/sms-agent/token" in box.read("/etc/default/sms-agent")

    smsd = start_unit(box, "smsd.service", "/tmp/smsd.log")
    assert smsd["User"] == "sms" and smsd["ExecStart"] == "/usr/bin/smsd all", smsd
    wait_for("smsd's /healthz", lambda: api(port, "GET", "/healthz")[0] == 200, 60)
    agent = start_unit(box, "sms-agent.service", "/tmp/agent.log")
    assert agent["User"] == "sms-agent" and agent["Restart"] == "always", agent

    password = box.read("/var/lib/sms/initial-admin-password").strip()
    status, body = api(port, "POST", "/api/v1/auth/login",
                       {"username": "admin", "password": password})
    assert status == 200, body
    token = body["access_token"]

    def server_on():
        status, body = api(port, "GET", f"/api/v1/servers/{SERVER_ID}", token=token)
        return status == 200 and body["status"] == "on" and body

    try:
        server = wait_for(f"server {SERVER_ID} on", server_on, 60)
    except BaseException:
        print(box.sh("cat /tmp/smsd.log /tmp/agent.log", check=False).stdout)
        raise
    assert server["hostname"], server
    # What smsd wrote belongs to its user; nothing was refused for want of the token.
    assert box.sh("stat -c %U /var/lib/sms/sms.db").stdout.strip() == "sms"
    assert "HTTP 401" not in box.read("/tmp/agent.log")
    print(f"install {installed - started:.1f} s, run until on {time.monotonic() - installed:.1f} s")

    # The online backup of DEPLOY.md, section 8, while smsd runs: a consistent copy that holds
    # the server, and no file of the live database owned by root afterwards.
    box.sh("DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
           "-o Binary::apt::APT::Keep-Downloaded-Packages=true sqlite3", timeout=300)
    backup = box.sh("""set -e
        install -d -o sms -g sms -m 0750 /var/backups/sms
        runuser -u sms -- sqlite3 /var/lib/sms/sms.db ".backup '/var/backups/sms/sms.db'"
        runuser -u sms -- sqlite3 /var/backups/sms/sms.db 'PRAGMA integrity_check'
        runuser -u sms -- sqlite3 /var/backups/sms/sms.db \
            "SELECT status FROM servers WHERE server_id = '%s'"
        stat -c %%U /var/lib/sms/sms.db*""" % SERVER_ID).stdout.split()
    assert backup[:2] == ["ok", "1"], backup
    assert set(backup[2:]) == {"sms"}, backup
    assert api(port, "GET", "/healthz")[0] == 200

    # Purging removes the programs, units and settings, and keeps the data and the users.
    box.sh("DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq smsd sms-agent", timeout=300)
    left = box.sh("ls /usr/bin/smsd /usr/bin/sms-agent /etc/default/smsd /etc/default/sms-agent "
                  "/usr/lib/systemd/system/smsd.service /var/lib/sms/sms.db /etc/sms-agent/token "
                  "2>/dev/null; getent passwd sms sms-agent | cut -d: -f1", check=False)
    assert left.stdout.split() == ["/etc/sms-agent/token", "/var/lib/sms/sms.db", "sms",
                                   "sms-agent"], left.stdout
