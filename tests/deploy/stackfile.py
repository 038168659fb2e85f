"""deploy/stack.yml as the docker CLI resolves it, and the parts of it the deploy tests read:
labels, environments, the smsd roles. Shared by test_stack.py and test_gateway.py."""
import os
import shutil
import subprocess

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLES = {"healthcheck": 2, "management": 2, "worker": 2, "mail": 1}


def validator():
    """The command that resolves a compose file: `docker stack config` (docker CLI 23 or
    later), else Compose's `docker-compose config`; None when neither is here."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "stack", "config", "--help"], capture_output=True)
        if probe.returncode == 0:
            return "docker stack config -c deploy/stack.yml"
    if shutil.which("docker-compose"):
        return "docker-compose -f deploy/stack.yml config"
    return None


def resolve(command):
    """The stack resolved by `command`, with deploy/.env.example exported by a shell as
    DEPLOY.md says (and no SMS_* or STACK_* value of the caller's environment)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMS_", "STACK_"))}
    done = subprocess.run(["bash", "-c", f"set -a; . deploy/.env.example; set +a; {command}"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{command}:\n{done.stderr}"
    return yaml.safe_load(done.stdout)


def labels(service):
    """A service's deploy labels as a dict (compose allows a list or a mapping)."""
    raw = (service.get("deploy") or {}).get("labels") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return raw


def environment(service):
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {k: ("" if v is None else str(v)) for k, v in raw.items()}


def smsd_services(stack):
    return {name: s for name, s in stack["services"].items() if name in ROLES}
