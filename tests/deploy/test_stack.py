"""deploy/stack.yml and deploy/Dockerfile, checked without an engine: the stack as the docker
CLI resolves it (`docker stack config`, with deploy/.env.example loaded as DEPLOY.md says), its
smsd settings against `smsd --help`, its secrets, and the gateway's routes."""
import os
import re
import subprocess

import pytest

from stackfile import ROLES, ROOT, environment, labels, resolve, smsd_services, validator

SMSD = os.environ.get("SMSD", os.path.join(ROOT, "build", "bin", "smsd"))
ENGINES = {"traefik", "postgres", "redis", "kafka", "opensearch"}


@pytest.fixture(scope="module")
def stack():
    command = validator()
    if command is None:
        pytest.skip("neither `docker stack config` (docker CLI >= 23) nor docker-compose is "
                    "installed: run scripts/install-deps")
    return resolve(command)


@pytest.fixture(scope="module")
def smsd_help():
    out = subprocess.run([SMSD, "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_stack_has_every_role_and_engine_with_its_replicas(stack):
    assert set(stack["services"]) == set(ROLES) | ENGINES
    for name, replicas in ROLES.items():
        service = stack["services"][name]
        assert service["command"][0] == name  # the image's ENTRYPOINT is smsd
        deploy = service["deploy"]
        assert deploy["replicas"] == replicas, name
        assert deploy["update_config"]["order"] == "start-first", name
        assert deploy["update_config"]["parallelism"] == 1, name
        assert deploy["restart_policy"]["condition"] == "any", name
        assert deploy["resources"]["limits"]["memory"], name
        assert deploy["resources"]["limits"]["cpus"], name
        assert service.get("stop_grace_period"), name  # time to drain and flush the bus
    for name in ENGINES:
        engine = stack["services"][name]
        assert engine.get("healthcheck", {}).get("test"), name
        if name != "traefik":
            assert engine.get("volumes"), name


def test_every_smsd_flag_and_variable_of_the_stack_exists(stack, smsd_help):
    flags = set(re.findall(r"(--[a-z0-9-]+)", smsd_help))
    variables = set(re.findall(r"\bSMS_[A-Z0-9_]+\b", smsd_help))
    for name, service in smsd_services(stack).items():
        for arg in service["command"][1:]:
            if arg.startswith("--"):
                assert arg.split("=", 1)[0] in flags, f"{name}: {arg} is not in smsd --help"
        env = environment(service)
        for var in env:
            if var.startswith("SMS_"):
                assert var in variables, f"{name}: {var} is not in smsd --help"
        assert env.get("SMS_TZ"), f"{name}: SMS_TZ is not set"


def test_secrets_are_files_read_through_the_file_settings(stack):
    defined = stack["secrets"]
    for name, secret in defined.items():
        assert secret.get("file"), f"secret {name} is not read from a file"
    mounted_everywhere = set()
    for name, service in stack["services"].items():
        mounted = {s["source"] if isinstance(s, dict) else s for s in service.get("secrets", [])}
        assert mounted <= set(defined), name
        mounted_everywhere |= mounted
        for var, value in environment(service).items():
            path = value.lstrip("@")
            if var.endswith("_FILE") or value.startswith("@/run/secrets/"):
                assert path.startswith("/run/secrets/"), f"{name}: {var}={value}"
                assert path[len("/run/secrets/"):] in mounted, f"{name}: {var} is not mounted"
    assert mounted_everywhere == set(defined)  # none unused
    management = environment(stack["services"]["management"])
    for var in ("SMS_DATABASE_URL_FILE", "SMS_JWT_SECRET_FILE", "SMS_ADMIN_PASSWORD_FILE"):
        assert var in management
    assert "SMS_SMTP_PASSWORD_FILE" in environment(stack["services"]["mail"])
    for name, service in smsd_services(stack).items():
        env = environment(service)
        for plain in ("SMS_DATABASE_URL", "SMS_JWT_SECRET", "SMS_ADMIN_PASSWORD",
                      "SMS_SMTP_PASSWORD"):
            assert plain not in env, f"{name}: {plain} in clear; use its _FILE setting"


def routers(stack):
    """{router: (service it names, its rule, [middlewares], the labels it was found in)}."""
    found = {}
    for service in stack["services"].values():
        lab = labels(service)
        for key, rule in lab.items():
            m = re.fullmatch(r"traefik\.http\.routers\.([^.]+)\.rule", key)
            if m:
                r = m.group(1)
                mids = lab.get(f"traefik.http.routers.{r}.middlewares", "")
                found[r] = (lab.get(f"traefik.http.routers.{r}.service", r), rule,
                            [x for x in mids.split(",") if x], lab)
    return found


def test_mail_reads_the_smtp_password_only_with_a_user(stack):
    # smsd refuses a password without a user: the stack names the password's file only when
    # .env.example sets both, and neither when SMTP AUTH is off.
    mail = environment(stack["services"]["mail"])
    assert mail["SMS_SMTP_USER"] and mail["SMS_SMTP_PASSWORD_FILE"]
    command = validator()
    if command is None:
        pytest.skip("neither `docker stack config` nor `docker-compose` is installed")
    no_auth = resolve("SMS_SMTP_USER= SMS_SMTP_PASSWORD_FILE= " + command)
    mail = environment(no_auth["services"]["mail"])
    assert mail.get("SMS_SMTP_USER", "") == "" and mail.get("SMS_SMTP_PASSWORD_FILE", "") == ""


def test_the_gateway_routes_exactly_the_two_public_paths(stack):
    found = routers(stack)
    rules = {service: rule for service, rule, _, _ in found.values()}
    assert rules == {"healthcheck": "Path(`/healthcheck`)",
                     "management": "PathPrefix(`/server-management`)"}
    for router, (service, _, middlewares, lab) in found.items():
        # The router's service is defined on the smsd service of that name.
        assert labels(stack["services"][service]) == lab
        assert lab["traefik.enable"] == "true"
        lb = f"traefik.http.services.{service}.loadbalancer"
        assert lab[f"{lb}.server.port"] == "8080"  # the image's SMS_LISTEN
        assert lab[f"{lb}.healthcheck.path"] == "/healthz"
        kinds = {}
        for mid in middlewares:
            keys = [k for k in lab if k.startswith(f"traefik.http.middlewares.{mid}.")]
            assert keys, f"{router}: middleware {mid} is not defined"
            kinds[keys[0].split(".")[4]] = {k.split(".", 5)[5]: lab[k] for k in keys}
        assert "retry" in kinds, router
        if service == "management":
            assert kinds["stripprefix"] == {"prefixes": "/server-management"}
        else:
            assert "stripprefix" not in kinds
    # Only these two services are exposed; Traefik exposes nothing unless told.
    exposed = {n for n, s in stack["services"].items() if labels(s).get("traefik.enable")}
    assert exposed == {"healthcheck", "management"}
    traefik = stack["services"]["traefik"]["command"]
    assert "--providers.swarm.exposedbydefault=false" in traefik


def test_smsd_trusts_the_gateway_network_for_forwarded_addresses(stack):
    subnet = stack["networks"]["gateway"]["ipam"]["config"][0]["subnet"]
    for name in ("healthcheck", "management"):
        command = stack["services"][name]["command"]
        assert command[command.index("--trusted-proxies") + 1] == subnet, name
        assert "gateway" in stack["services"][name]["networks"]
    assert stack["services"]["traefik"]["networks"] == {"gateway": None} or \
        list(stack["services"]["traefik"]["networks"]) == ["gateway"]


def test_the_dockerfile_builds_what_the_stack_runs():
    text = open(os.path.join(ROOT, "deploy", "Dockerfile")).read()
    stages = re.findall(r"^FROM (\S+) AS (\S+)$", text, re.M)
    assert stages == [("debian:bookworm", "build"), ("debian:bookworm-slim", "agent"),
                      ("debian:bookworm-slim", "smsd")]  # the last is the default target
    smsd = text[text.index("AS smsd"):]
    assert re.search(r'^HEALTHCHECK .*CMD \["smsd", "probe"\]$', smsd, re.M)
    assert re.search(r'^ENTRYPOINT \["smsd"\]$', smsd, re.M)
    assert re.search(r"SMS_LISTEN=0\.0\.0\.0:8080", smsd)
    for stage in (smsd, text[text.index("AS agent"):text.index("AS smsd")]):
        user = re.search(r"^USER (\S+)$", stage, re.M)
        assert user and not user.group(1).startswith(("0:", "root")), "runs as root"
    assert "install-deps --build" in text
    assert "--mount=type=cache" in text
