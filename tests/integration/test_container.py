"""What a container deployment relies on: `smsd probe` for the HEALTHCHECK, and secrets read
from files (docker secrets) through the *_FILE settings."""
import os
import socket
import subprocess

from conftest import SMSD, Smsd, embedded_env, login


def probe(*args, env=None):
    return subprocess.run([SMSD, "probe", *args], capture_output=True, text=True, timeout=30,
                          env=env or embedded_env())


def closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_probe_exits_zero_while_smsd_answers(smsd):
    done = probe("--url", f"{smsd.url}/healthz")
    assert done.returncode == 0, done
    assert done.stdout == f"smsd probe: healthy: {smsd.url}/healthz: HTTP 200\n"
    # Without --url it probes the address the role listens on: --listen, else SMS_LISTEN.
    assert probe("--listen", f"0.0.0.0:{smsd.port}").returncode == 0
    env = dict(embedded_env(), SMS_LISTEN=f"0.0.0.0:{smsd.port}")
    assert probe("management", env=env).returncode == 0


def test_probe_exits_one_with_one_line_when_nothing_answers():
    url = f"http://127.0.0.1:{closed_port()}/healthz"
    done = probe("--url", url, "--timeout-ms", "1000")
    assert done.returncode == 1, done
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"smsd probe: unhealthy: {url}: "), done
    assert "onnect" in lines[0], done  # "Failed to connect …" / "Couldn't connect …"


def test_probe_exits_one_on_a_non_2xx_answer(smsd):
    done = probe("--url", f"{smsd.url}/no-such-path")
    assert done.returncode == 1, done
    assert done.stderr.startswith(f"smsd probe: unhealthy: {smsd.url}/no-such-path: HTTP 404")


def write(path, content):
    with open(path, "w") as f:
        f.write(content)
    return path


def test_secrets_from_files_work_and_never_reach_the_log(data_dir):
    secrets = os.path.join(data_dir, "secrets")
    os.mkdir(secrets)
    password, jwt_secret, smtp_password = "file admin password", "f" * 48, "smtp file password"
    db_path = os.path.join(data_dir, "elsewhere.db")
    env = {k: v for k, v in embedded_env().items() if k != "SMS_ADMIN_PASSWORD"}
    env.update(SMS_ADMIN_PASSWORD_FILE=write(f"{secrets}/admin", password + "\n"),
               SMS_JWT_SECRET_FILE=write(f"{secrets}/jwt", jwt_secret + "\n"),
               SMS_SMTP_PASSWORD_FILE=write(f"{secrets}/smtp", smtp_password + "\n"))
    smsd = Smsd(data_dir, "--database-url-file", write(f"{secrets}/db", f"sqlite:{db_path}\n"),
                "--smtp-url", "smtp://127.0.0.1:1", "--smtp-user", "sms", env=env).start()
    try:
        login(smsd.port, "admin", password)
        assert os.path.exists(db_path)  # the database the file named
        assert not os.path.exists(os.path.join(data_dir, "jwt-secret"))  # none generated
    finally:
        smsd.stop()
    log = "".join(smsd.log)
    for secret in (password, jwt_secret, smtp_password):
        assert secret not in log


def test_a_secret_given_both_ways_stops_smsd_with_one_line(data_dir):
    env = dict(embedded_env(), SMS_DATABASE_URL=f"sqlite:{data_dir}/a.db")
    done = subprocess.run([SMSD, "all", "--data-dir", data_dir, "--listen", "127.0.0.1:0",
                           "--database-url-file", write(f"{data_dir}/db", "sqlite:b.db")],
                          env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2, done
    assert done.stderr == ("smsd: set either --database-url (SMS_DATABASE_URL) or "
                           "--database-url-file (SMS_DATABASE_URL_FILE), not both\n")
    env = dict(embedded_env(), SMS_SMTP_PASSWORD_FILE=f"{data_dir}/absent")
    done = subprocess.run([SMSD, "all", "--data-dir", data_dir, "--listen", "127.0.0.1:0"],
                          env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2, done
    assert done.stderr == (f"smsd: --smtp-password-file (SMS_SMTP_PASSWORD_FILE): "
                           f"{data_dir}/absent cannot be read: No such file or directory\n")
