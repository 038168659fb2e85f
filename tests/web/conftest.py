"""A real smsd with a fleet, and Debian's Chromium driven by Selenium (chromium-driver), for the
dashboard's browser tests. Skips when Chromium or Selenium is not installed."""
import importlib.util
import os
import shutil
import subprocess
import tempfile

import pytest

try:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # make_driver skips the tests
    pass

# The integration suite's helpers (real smsd and sms-agent processes), under their own name:
# both files are "conftest" to pytest.
_spec = importlib.util.spec_from_file_location(
    "sms_integration", os.path.join(os.path.dirname(__file__), "..", "integration", "conftest.py"))
it = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(it)
ADMIN_PASSWORD, ADMIN_USER, Agent, Smsd = it.ADMIN_PASSWORD, it.ADMIN_USER, it.Agent, it.Smsd
login, send, wait_for, agents = it.login, it.send, it.wait_for, it.agents
_spec = importlib.util.spec_from_file_location(
    "sms_receiver", os.path.join(os.path.dirname(__file__), "..", "integration", "receiver.py"))
_receiver = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_receiver)
Receiver = _receiver.Receiver  # a local webhook receiver

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


def start_fleet(data_dir, *extra):
    """smsd all in `data_dir` (with `extra` options) with 120 servers (ten of them tagged) and a
    viewer; alerts may go to a local receiver."""
    s = Smsd(data_dir, "--heartbeat-grace", "1", "--sweep-interval-ms", "100",
             "--allow-private-webhooks", "--alert-group-seconds", "1",
             "--alert-backoff-ms", "200", *extra).start()
    token = {"Authorization": "Bearer " + login(s.port)}
    for i in range(120):
        # web-000..009 carry rack:a, the even ones of them prod too
        tags = (["rack:a"] + (["prod"] if i % 2 == 0 else [])) if i < 10 else []
        status, body, _ = send(s.port, "POST", "/api/v1/servers",
                               {"server_id": f"web-{i:03d}", "server_name": f"Web {i:03d}",
                                "ipv4": f"10.0.{i // 256}.{i % 256}", "tags": tags},
                               headers=token)
        assert status == 201, body
    status, body, _ = send(s.port, "POST", "/api/v1/users",
                           {"username": "vera", "password": "viewer password", "role": "viewer"},
                           headers=token)
    assert status == 201, body
    s.token = token
    return s


@pytest.fixture(scope="module")
def fleet():
    """start_fleet's smsd, for the module's tests."""
    with tempfile.TemporaryDirectory(prefix="sms-web-") as d:
        s = start_fleet(d)
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


TIMEOUT = 20


def wait(browser, condition, timeout=TIMEOUT):
    # The page re-renders on live events: an element read between two renders is stale, and the
    # condition is asked again.
    return WebDriverWait(browser, timeout, ignored_exceptions=(StaleElementReferenceException,)
                         ).until(condition)


def css(browser, selector):
    return browser.find_elements(By.CSS_SELECTOR, selector)


def row_ids(browser):
    # Read in one script, so that a re-render cannot come in between.
    return browser.execute_script(
        "return [...document.querySelectorAll('table.servers tbody tr[data-server-id]')]"
        ".map((r) => r.dataset.serverId);")


def attr(browser, selector, name):
    return browser.execute_script(
        "const e = document.querySelector(arguments[0]); return e && e.getAttribute(arguments[1]);",
        selector, name)


def text(browser, selector):
    return browser.execute_script(
        "const e = document.querySelector(arguments[0]); return e && e.textContent;", selector)


def click(browser, by, value):
    """Clicks what `value` finds, again if a re-render replaced it meanwhile."""
    def attempt(b):
        b.find_element(by, value).click()
        return True
    wait(browser, attempt)


def log_in(browser, fleet, user="admin", password=None):
    browser.get(f"http://127.0.0.1:{fleet.port}/")
    name = wait(browser, EC.visibility_of_element_located((By.NAME, "username")))
    name.clear()
    name.send_keys(user)
    browser.find_element(By.NAME, "password").send_keys(password or ADMIN_PASSWORD, Keys.ENTER)
    wait(browser, EC.visibility_of_element_located((By.CSS_SELECTOR, "header.top .who")))


def log_out(browser):
    browser.find_element(By.CSS_SELECTOR, "button.logout").click()
    wait(browser, EC.visibility_of_element_located((By.NAME, "username")))


def open_servers(browser):
    browser.get(browser.current_url.split("#")[0] + "#/servers")
    wait(browser, lambda b: len(row_ids(b)) > 0)


def axe_violations(browser, page, ready):
    """The serious and critical axe-core violations of #/`page` once `ready` (a selector) is
    there; skips when axe-core cannot be fetched."""
    source = axe_source()
    if source is None:
        pytest.skip("axe-core could not be fetched (scripts/fetch-axe-core)")
    browser.get(f"{browser.current_url.split('#')[0]}#/{page}")
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, ready)))
    browser.execute_script(source)
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then((r) => done(r.violations))"
        ".catch((e) => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result if v["impact"] in ("serious", "critical")]
