"""A real smsd with a fleet, and Debian's Chromium driven by Selenium (chromium-driver), for the
dashboard's browser tests. Skips when Chromium or Selenium is not installed."""
import importlib.util
import os
import shutil
import subprocess
import tempfile

import pytest

# The integration suite's helpers (real smsd and sms-agent processes), under their own name:
# both files are "conftest" to pytest.
_spec = importlib.util.spec_from_file_location(
    "sms_integration", os.path.join(os.path.dirname(__file__), "..", "integration", "conftest.py"))
it = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(it)
ADMIN_PASSWORD, ADMIN_USER, Agent, Smsd = it.ADMIN_PASSWORD, it.ADMIN_USER, it.Agent, it.Smsd
login, send, wait_for, agents = it.login, it.send, it.wait_for, it.agents

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
REPO = os.path.join(os.path.dirname(__file__), "..", "..")


def axe_source():
    """axe.min.js from scripts/fetch-axe-core (pinned version and checksum), or None."""
    script = os.path.join(REPO, "scripts", "fetch-axe-core")
    if subprocess.run([script], capture_output=True).returncode != 0:
        return None
    d = subprocess.run([script, "--print-dir"], capture_output=True, text=True).stdout.strip()
    with open(os.path.join(d, "axe.min.js"), encoding="utf-8") as f:
        return f.read()


def make_driver(download_dir, width=1280, height=900):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("python3-selenium is not installed (scripts/install-deps)")
    if not os.path.exists(CHROMIUM) or not os.path.exists(CHROMEDRIVER):
        pytest.skip("chromium and chromium-driver are not installed (scripts/install-deps)")
    profile = tempfile.mkdtemp(prefix="sms-chromium-")
    o = webdriver.ChromeOptions()
    o.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-dev-shm-usage", f"--user-data-dir={profile}",
                f"--window-size={width},{height}"):
        o.add_argument(arg)
    o.add_experimental_option("prefs", {"download.default_directory": download_dir,
                                        "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=o)
    driver.set_page_load_timeout(30)
    driver._sms_profile = profile
    return driver


def quit_driver(driver):
    driver.quit()
    shutil.rmtree(driver._sms_profile, ignore_errors=True)


@pytest.fixture(scope="module")
def fleet():
    """smsd all with 120 servers and a viewer, for the module's tests."""
    with tempfile.TemporaryDirectory(prefix="sms-web-") as d:
        s = Smsd(d, "--heartbeat-grace", "1", "--sweep-interval-ms", "100").start()
        token = {"Authorization": "Bearer " + login(s.port)}
        for i in range(120):
            status, body, _ = send(s.port, "POST", "/api/v1/servers",
                                   {"server_id": f"web-{i:03d}", "server_name": f"Web {i:03d}",
                                    "ipv4": f"10.0.{i // 256}.{i % 256}"}, headers=token)
            assert status == 201, body
        status, body, _ = send(s.port, "POST", "/api/v1/users",
                               {"username": "vera", "password": "viewer password", "role": "viewer"},
                               headers=token)
        assert status == 201, body
        s.token = token
        yield s
        s.kill()


@pytest.fixture(scope="module")
def browser():
    downloads = tempfile.mkdtemp(prefix="sms-downloads-")
    driver = make_driver(downloads)
    driver._sms_downloads = downloads
    yield driver
    quit_driver(driver)
    shutil.rmtree(downloads, ignore_errors=True)
