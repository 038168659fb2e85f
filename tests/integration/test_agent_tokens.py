"""Agent tokens end to end: smsd with SMS_AGENT_TOKENS, real sms-agent processes."""
import os

from conftest import Agent, Smsd, embedded_env, wait_for

TOKENS = ["agent-token-rack1-0001", "agent-token-rack2-0002"]


def unauthorized(smsd):
    """sms_heartbeats_rejected_total{reason="unauthorized"} from /metrics (0 before the first)."""
    _, metrics, _ = smsd.request("GET", "/metrics")
    prefix = 'sms_heartbeats_rejected_total{reason="unauthorized"} '
    return next((float(line[len(prefix):]) for line in metrics.splitlines()
                 if line.startswith(prefix)), 0)


def start_with_tokens(data_dir, *args, **env):
    return Smsd(data_dir, "--heartbeat-grace", "1", "--sweep-interval-ms", "100", *args,
                env=dict(embedded_env(), **env)).start()


def test_agent_with_token_is_on_and_a_wrong_token_is_401_changing_nothing(data_dir, agents):
    smsd = start_with_tokens(data_dir, SMS_AGENT_TOKENS=",".join(TOKENS))
    try:
        agents.append(Agent(smsd.url, "web-ok", extra=("--token", TOKENS[1])))
        srv = wait_for(lambda: smsd.server("web-ok"), 10, what="web-ok registered")
        wait_for(lambda: (smsd.server("web-ok") or {}).get("status") == "on", 10,
                 what="web-ok on")
        assert srv["hostname"] == "web-ok"

        # A real agent with a wrong token, and raw requests with every kind of bad header.
        agents.append(Agent(smsd.url, "intruder", extra=("--token", "wrong-token-000000")))
        for headers in ({}, {"Authorization": "Bearer wrong-token-000000"},
                        {"Authorization": "Bearer " + TOKENS[0] + "x"},
                        {"Authorization": "Basic " + TOKENS[0]}):
            status, body, h = smsd.request("POST", "/healthcheck", {"server_id": "intruder"},
                                           headers=headers)
            assert status == 401, headers
            assert body["error"]["code"] == "unauthenticated"
            assert h.get("WWW-Authenticate") == "Bearer"
            assert h.get("X-Request-Id")
        # The four requests above, then the wrong agent's own heartbeats: refused as they came.
        wait_for(lambda: unauthorized(smsd) >= 6, 10, what="the wrong agent's heartbeats refused")
        assert smsd.server("intruder") is None
        status, stats, _ = smsd.get("/api/v1/stats")
        assert status == 200 and stats["total"] == 1
    finally:
        smsd.kill()
    log = "".join(smsd.log)
    for t in TOKENS + ["wrong-token-000000"]:
        assert t not in log, "a token was logged"
    assert "no agent tokens set" not in log


def test_tokens_from_a_file(data_dir, agents):
    path = os.path.join(data_dir, "agent-tokens.txt")
    with open(path, "w") as f:
        f.write("# one token per line\n\n" + TOKENS[0] + "\n")
    smsd = start_with_tokens(data_dir, "--agent-tokens", "@" + path)
    try:
        agents.append(Agent(smsd.url, "web-file", extra=("--token", TOKENS[0])))
        wait_for(lambda: smsd.server("web-file"), 10, what="web-file registered")
        status, _, _ = smsd.request("POST", "/healthcheck", {"server_id": "x"},
                                    headers={"Authorization": "Bearer " + TOKENS[1]})
        assert status == 401
    finally:
        smsd.kill()


def test_without_tokens_the_endpoint_is_open_with_a_warning(smsd):
    status, _, _ = smsd.request("POST", "/healthcheck", {"server_id": "open-1"})
    assert status == 202
    assert any("no agent tokens set" in line for line in smsd.log)


def test_a_bad_token_setting_stops_smsd_without_printing_it(data_dir):
    smsd = Smsd(data_dir, "--agent-tokens", "ok-token-12345,short",
                env=embedded_env())
    try:
        smsd.start(timeout=10)
        assert False, "smsd started with a bad token"
    except RuntimeError:
        pass
    assert smsd.proc.wait(10) == 1
    log = "".join(smsd.log)
    assert "agent-tokens" in log
    assert "ok-token-12345" not in log and "short" not in log.replace("agent-tokens", "")
