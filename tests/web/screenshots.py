#!/usr/bin/python3
"""`make screenshots`: docs/screenshots/*.png of the dashboard (overview, servers, server,
reports, alerts, and the overview at a phone's 390 px), from a real smsd with a small live fleet."""
import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conftest import (ADMIN_PASSWORD, ADMIN_USER, Agent, Smsd, login, make_driver,  # noqa: E402
                      quit_driver, send, wait_for)


def shoot(driver, base, page, ready, path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
    driver.get(f"{base}#/{page}")
    WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, ready)))
    time.sleep(0.5)  # let the last rows and the chart settle
    driver.save_screenshot(path)
    print("wrote", path)


def alerts_for(s, token):
    """A channel (nothing listens at its URL), a rule for every server and an hour of
    maintenance on web-03 two hours ago, for the Alerts page and the server's strip."""
    def post(path, body):
        status, created, _ = send(s.port, "POST", path, body, headers=token)
        assert status == 201, created
        return created
    channel = post("/api/v1/channels", {"name": "on-call hook", "type": "webhook",
                                        "url": "http://127.0.0.1:9/sms"})
    post("/api/v1/alert-rules", {"name": "every server", "channels": [channel["id"]]})
    now = time.time()
    post("/api/v1/maintenance", {
        "name": "kernel update",
        "start": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 7200)),
        "end": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 3600)),
        "servers": {"server_ids": ["web-03"]}})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smsd", default="build/bin/smsd")
    ap.add_argument("--agent", default="build/bin/sms-agent")
    ap.add_argument("--out", default="docs/screenshots")
    a = ap.parse_args()
    import conftest
    conftest.it.AGENT = a.agent
    conftest.it.SMSD = a.smsd
    os.makedirs(a.out, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sms-shots-") as d:
        s = Smsd(d, "--heartbeat-grace", "1", "--sweep-interval-ms", "100",
                 "--allow-private-webhooks", "--alert-group-seconds", "1").start()
        agents = []
        try:
            token = {"Authorization": "Bearer " + login(s.port)}
            for i in range(60):
                send(s.port, "POST", "/api/v1/servers",
                     {"server_id": f"db-{i:02d}", "server_name": f"Database {i:02d}",
                      "ipv4": f"10.1.0.{i + 10}", "hostname": f"db-{i:02d}.dc1",
                      "tags": ["db", f"rack:{'ab'[i % 2]}"]}, headers=token)
            agents = [Agent(s.url, f"web-{i:02d}", interval=1) for i in range(8)]
            wait_for(lambda: send(s.port, "GET", "/api/v1/stats", headers=token)[1]["on"] >= 8, 30)
            alerts_for(s, token)
            agents.pop().stop()  # one goes off: a transition (and an alert) to show
            wait_for(lambda: send(s.port, "GET", "/api/v1/stats", headers=token)[1]["on"] == 7, 30)
            wait_for(lambda: send(s.port, "GET", "/api/v1/alerts?state=open",
                                  headers=token)[1]["total"] >= 1, 30)
            send(s.port, "POST", "/api/v1/reports", {"start": time.strftime("%Y-%m-%d"),
                 "end": time.strftime("%Y-%m-%d"), "emails": ["ops@example.com"]}, headers=token)
            base = f"http://127.0.0.1:{s.port}/"
            for width, height, pages in ((1280, 860, (("overview", ".tiles .tile", "overview"),
                                                      ("servers", "tr[data-server-id]", "servers"),
                                                      ("server/web-03", ".strip svg", "server"),
                                                      ("reports", "form.report", "reports"),
                                                      ("alerts", "tr[data-alert-id]", "alerts"))),
                                         (390, 844, (("overview", ".tiles .tile", "overview-phone"),))):
                driver = make_driver(d, width, height)
                try:
                    driver.get(base)
                    from selenium.webdriver.common.by import By
                    from selenium.webdriver.support.ui import WebDriverWait
                    WebDriverWait(driver, 20).until(lambda b: b.find_elements(By.NAME, "username"))
                    driver.find_element(By.NAME, "username").send_keys(ADMIN_USER)
                    driver.find_element(By.NAME, "password").send_keys(ADMIN_PASSWORD + "\n")
                    WebDriverWait(driver, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".tiles .tile"))
                    for page, ready, name in pages:
                        shoot(driver, base, page, ready, os.path.join(a.out, f"{name}.png"))
                finally:
                    quit_driver(driver)
        finally:
            for ag in agents:
                ag.stop()
            s.kill()


if __name__ == "__main__":
    main()
