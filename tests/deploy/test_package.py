"""The .deb packages of `make package`, installed with apt into a fresh Debian 12 container
(podman; the image of scripts/base-images plus systemd, which runs as the container's PID 1), as
an administrator would: apt resolves their Depends from Debian's mirror, the maintainer scripts
create the users and directories and enable the units, `systemd-analyze verify` accepts them, a
changed conffile survives an upgrade. Then systemd starts both units, configured as DEPLOY.md
says, with their hardening, until the agent's heartbeat shows through smsd's API (the server is
listed, on); it restarts the agent killed with SIGKILL; the online SQLite backup works while
smsd runs; purging stops and removes both and keeps the data.

The packages come from the Release build (`make package`, which `make test` runs first): the
directory is $SMS_PACKAGE_DIR. apt's lists and downloaded .debs are cached between runs in
${SMS_CACHE_DIR:-~/.cache/sms}/apt, the image with systemd in podman's store
(localhost/sms-test-systemd)."""
import glob
import http.client
import os
import shlex
import socket
import subprocess
import time

import pytest

from gateway import call
from stackfile import ROOT, waiting  # noqa: E402
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


def apt_volumes():
    os.makedirs(os.path.join(CACHE, "archives", "partial"), exist_ok=True)
    os.makedirs(os.path.join(CACHE, "lists", "partial"), exist_ok=True)
    return ["-v", f"{CACHE}/archives:/var/cache/apt/archives",
            "-v", f"{CACHE}/lists:/var/lib/apt/lists"]


APT_INSTALL = ("DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
               "-o Binary::apt::APT::Keep-Downloaded-Packages=true ")


def systemd_image():
    """Debian 12 with systemd as /sbin/init, made once per base image and kept in podman."""
    run([os.path.join(ROOT, "scripts", "base-images")], timeout=900)
    base = run(["podman", "image", "inspect", IMAGE, "--format", "{{.Id}}"]).stdout.strip()
    tag = f"localhost/sms-test-systemd:{base[:12]}"
    if run(["podman", "image", "exists", tag], check=False).returncode == 0:
        return tag
    name = f"sms-test-systemd-build-{os.getpid()}"
    run(["podman", "rm", "-f", "-t", "0", name], check=False)
    try:
        run(PODMAN_RUN + ["--name", name] + apt_volumes() + [
            IMAGE, "sh", "-c", "apt-get update -qq && " + APT_INSTALL + "systemd systemd-sysv"],
            timeout=600)
        run(["podman", "commit", "-q", "--change", 'CMD ["/sbin/init"]', name, tag])
    finally:
        run(["podman", "rm", "-f", "-t", "0", name], check=False)
    return tag


class Container:
    """A Debian 12 container on the host's network, systemd its PID 1; removed by close()."""

    def __init__(self, image):
        prefix = "sms-package-test-"
        self.name = f"{prefix}{os.getpid()}"
        # Those of runs that were killed before they could remove theirs.
        names = run(["podman", "ps", "-a", "--format", "{{.Names}}"]).stdout.split()
        for name in names:
            pid = name[len(prefix):]
            if name.startswith(prefix) and pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
                run(["podman", "rm", "-f", "-t", "0", name], check=False)
        run(["podman", "rm", "-f", "-t", "0", self.name], check=False)
        run(PODMAN_RUN + ["-d", "--systemd=always", "--name", self.name,
                          "-v", f"{PACKAGES}:/packages:ro"] + apt_volumes() + [image])
        wait_for("systemd running in the container", lambda: self.sh(
            "systemctl is-system-running", check=False).stdout.strip() in ("running", "degraded"),
            60)

    def sh(self, script, timeout=120, check=True):
        return run(["podman", "exec", self.name, "sh", "-c", script], timeout=timeout,
                   check=check)

    def read(self, path):
        return self.sh(f"cat {shlex.quote(path)}").stdout

    def main_pid(self, unit):
        return int(self.sh(f"systemctl show -p MainPID --value {unit}").stdout)

    def proc_status(self, pid):
        """/proc/<pid>/status as a dict (Uid, NoNewPrivs, Seccomp, ...)."""
        lines = self.read(f"/proc/{pid}/status").splitlines()
        return dict(line.split(":\t", 1) for line in lines if ":\t" in line)

    def close(self):
        run(["podman", "rm", "-f", "-t", "0", self.name], check=False)


def api(port, method, path, body=None, token=None):
    return call(port, method, path, body, {"Authorization": "Bearer " + token} if token else None)


def wait_for(what, predicate, timeout):
    return waiting.wait_for(predicate, timeout, what, interval=0.5,
                            tolerate=(OSError, http.client.HTTPException))


@pytest.fixture(scope="module")
def debs():
    return {"smsd": deb("smsd"), "sms-agent": deb("sms-agent")}


@pytest.fixture(scope="module")
def box():
    container = Container(systemd_image())
    try:
        yield container
    finally:
        container.close()


@pytest.fixture(scope="module")
def installed(debs, box):
    """Both packages installed with apt. policy-rc.d keeps the postinst from starting them (as
    in any container build): they would listen on 8080 of the host's network before the test
    chose a free port."""
    started = time.monotonic()
    box.sh("apt-get update -qq", timeout=300)
    box.sh("printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d; "
           "chmod 0755 /usr/sbin/policy-rc.d")
    box.sh(APT_INSTALL + " ".join(f"/packages/{os.path.basename(p)}" for p in debs.values()),
           timeout=600)
    box.sh("rm /usr/sbin/policy-rc.d")
    print(f"\ninstall with apt: {time.monotonic() - started:.1f} s")
    return box


@pytest.fixture(scope="module")
def system(installed):
    """smsd and the agent configured as DEPLOY.md, section 10, says (a free port, an agent
    token in files readable by the services' groups only) and started by systemd: the port and
    the admin's API token."""
    box, port = installed, free_port()
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
    started = time.monotonic()
    box.sh("systemctl start smsd")
    wait_for("smsd's /healthz", lambda: api(port, "GET", "/healthz")[0] == 200, 60)
    box.sh("systemctl start sms-agent")
    password = box.read("/var/lib/sms/initial-admin-password").strip()
    status, body = api(port, "POST", "/api/v1/auth/login",
                       {"username": "admin", "password": password})
    assert status == 200, body

    def server_on():
        status, server = api(port, "GET", f"/api/v1/servers/{SERVER_ID}",
                             token=body["access_token"])
        return status == 200 and server["status"] == "on" and server

    try:
        wait_for(f"server {SERVER_ID} on", server_on, 60)
    except BaseException:
        print(box.sh("journalctl --no-pager -u smsd -u sms-agent", check=False).stdout)
        raise
    print(f"start until the heartbeat shows: {time.monotonic() - started:.1f} s")
    return port, body["access_token"]


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


def test_the_postinst_makes_users_directories_and_enables_the_units(installed):
    box = installed
    for user, home in (("sms", "/var/lib/sms"), ("sms-agent", "/nonexistent")):
        entry = box.sh(f"getent passwd {user}").stdout.split(":")
        assert entry[5] == home and entry[6].strip() == "/usr/sbin/nologin", entry
    assert box.sh("stat -c '%U:%G %a' /var/lib/sms /etc/sms /etc/sms-agent").stdout.split(
        "\n")[:3] == ["sms:sms 750", "root:sms 750", "root:sms-agent 750"]
    assert box.sh("systemctl is-enabled smsd sms-agent").stdout.split() == ["enabled"] * 2
    done = box.sh("systemd-analyze verify smsd.service sms-agent.service", check=False)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stdout + done.stderr


def test_systemd_runs_both_as_their_users_hardened_until_the_heartbeat_shows(system, box):
    for unit, user in (("smsd", "sms"), ("sms-agent", "sms-agent")):
        assert box.sh(f"systemctl is-active {unit}").stdout.strip() == "active"
        uid = box.sh(f"id -u {user}").stdout.strip()
        status = box.proc_status(box.main_pid(unit))
        assert status["Uid"].split()[0] == uid, status
        assert status["NoNewPrivs"].strip() == "1" and status["Seccomp"].strip() == "2", status
        assert status["CapEff"].strip() == "0000000000000000", status
    # What smsd wrote belongs to its user; the agent was never refused for want of its token.
    assert box.sh("stat -c %U /var/lib/sms/sms.db").stdout.strip() == "sms"
    assert "HTTP 401" not in box.sh("journalctl --no-pager -u sms-agent").stdout


def test_systemd_restarts_the_agent_when_it_is_killed(system, box):
    before = box.main_pid("sms-agent")
    box.sh(f"kill -9 {before}")
    wait_for("the agent restarted", lambda: box.main_pid("sms-agent") not in (0, before), 30)
    assert box.sh("systemctl is-active sms-agent").stdout.strip() == "active"


def test_online_sqlite_backup_while_smsd_runs(system, box):
    """DEPLOY.md, section 8: a consistent copy that holds the server, and no file of the live
    database owned by root afterwards."""
    box.sh(APT_INSTALL + "sqlite3", timeout=300)
    backup = box.sh("""set -e
        install -d -o sms -g sms -m 0750 /var/backups/sms
        runuser -u sms -- sqlite3 /var/lib/sms/sms.db ".backup '/var/backups/sms/sms.db'"
        runuser -u sms -- sqlite3 /var/backups/sms/sms.db 'PRAGMA integrity_check'
        runuser -u sms -- sqlite3 /var/backups/sms/sms.db \
            "SELECT status FROM servers WHERE server_id = '%s'"
        stat -c %%U /var/lib/sms/sms.db*""" % SERVER_ID).stdout.split()
    assert backup[:2] == ["ok", "1"], backup
    assert set(backup[2:]) == {"sms"}, backup
    assert api(system[0], "GET", "/healthz")[0] == 200


def test_purge_stops_and_removes_them_and_keeps_the_data(system, box):
    box.sh("DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq smsd sms-agent", timeout=300)
    assert box.sh("systemctl is-active smsd sms-agent", check=False).stdout.split() == [
        "inactive", "inactive"]
    left = box.sh("ls /usr/bin/smsd /usr/bin/sms-agent /etc/default/smsd /etc/default/sms-agent "
                  "/usr/lib/systemd/system/smsd.service /var/lib/sms/sms.db /etc/sms-agent/token "
                  "2>/dev/null; getent passwd sms sms-agent | cut -d: -f1", check=False)
    assert left.stdout.split() == ["/etc/sms-agent/token", "/var/lib/sms/sms.db", "sms",
                                   "sms-agent"], left.stdout
