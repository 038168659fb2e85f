"""deploy/prometheus/sms-rules.yml: valid for Prometheus (`promtool check rules`, promtool from
Debian's prometheus package, fetched by scripts/install-deps), and naming only metrics that smsd
really serves: every sms_* name in the rules, and every label value they match exactly, is
looked up in the /metrics of a live `smsd all` that took a heartbeat. A metric renamed in the
code fails here instead of silencing an alert."""
import os
import re
import subprocess
import sys
import tempfile

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES = os.path.join(ROOT, "deploy", "prometheus", "sms-rules.yml")
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from conftest import Smsd, embedded_env, send  # noqa: E402

# name{labels} value  (comments and blank lines aside)
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+")
SELECTOR = re.compile(r"\b(sms_[a-z0-9_]+)(?:\{([^}]*)\})?")
MATCHER = re.compile(r'([a-z_]+)\s*(=~|!=|!~|=)\s*"([^"]*)"')


def promtool():
    path = subprocess.run([os.path.join(ROOT, "scripts", "fetch-promtool"), "--print-path"],
                          capture_output=True, text=True, check=True).stdout.strip()
    if not os.access(path, os.X_OK):
        pytest.fail(f"promtool is not at {path}: run scripts/install-deps (scripts/fetch-promtool)")
    return path


def exprs():
    with open(RULES) as f:
        doc = yaml.safe_load(f)
    return [(rule.get("alert") or rule.get("record"), rule["expr"])
            for group in doc["groups"] for rule in group["rules"]]


@pytest.fixture(scope="module")
def series():
    """Every series of a live smsd's /metrics as (name, {label: value})."""
    with tempfile.TemporaryDirectory() as data_dir:
        smsd = Smsd(data_dir, env=embedded_env()).start()
        try:
            status, _, _ = send(smsd.port, "POST", "/healthcheck", {"server_id": "rules-01"})
            assert status == 202
            status, text, _ = send(smsd.port, "GET", "/metrics")
            assert status == 200
        finally:
            smsd.stop()
    found = []
    for line in text.splitlines():
        m = SAMPLE.match(line)
        if m:
            found.append((m.group(1), {k: v for k, _, v in MATCHER.findall(m.group(2) or "")}))
    assert found, text
    return found


def test_promtool_accepts_the_rules():
    done = subprocess.run([promtool(), "check", "rules", RULES], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(exprs())} rules found" in done.stdout, done.stdout


def test_every_metric_and_label_in_the_rules_is_served(series):
    names = {name for name, _ in series}
    missing = []
    for alert, expr in exprs():
        for name, matchers in SELECTOR.findall(expr):
            if name not in names:
                missing.append(f"{alert}: {name} is not in smsd's /metrics")
                continue
            exact = {k: v for k, op, v in MATCHER.findall(matchers) if op == "="}
            if exact and not any(n == name and exact.items() <= labels.items()
                                 for n, labels in series):
                missing.append(f"{alert}: no series {name}{exact} in smsd's /metrics")
    assert not missing, "\n".join(missing)


def test_the_rules_watch_what_the_monitoring_section_promises():
    """Ingest refusals, bus delivery, worker lag and backlog, store writes, mail, and the
    process itself each have an alert."""
    text = " ".join(expr for _, expr in exprs())
    for needle in ['reason="bus_unavailable"', "sms_worker_lag_seconds",
                   'sms_bus_queue_depth{topic="healthcheck"}', "sms_worker_errors_total",
                   "sms_mail_failed_total", 'up{job=~"sms.*"}', 'code=~"5.."']:
        assert needle in text, needle
