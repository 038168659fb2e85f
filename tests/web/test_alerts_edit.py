"""Changing alerting from the Alerts page in Debian's Chromium against a real smsd (its --tz not
the browser's): an operator edits a channel (its secret kept) and a rule, sees the API's error on
bad input, deletes a maintenance window; a viewer gets no such control; a weekly window covering
now is drawn on a server's strip; an alert shows on the open page as it opens, with no poll."""
import tempfile
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

pytest.importorskip("selenium")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402

from conftest import (Agent, Receiver, attr, click, css, log_in, log_out, send,  # noqa: E402
                      start_fleet, text, wait, wait_for)
from test_alerts_and_tags import alert_state, fill, page  # noqa: E402

ZONE = "Asia/Ho_Chi_Minh"  # weekly windows are in smsd's --tz, whatever the browser's zone


@pytest.fixture(scope="module")
def fleet():
    with tempfile.TemporaryDirectory(prefix="sms-web-") as d:
        s = start_fleet(d, "--tz", ZONE)
        yield s
        s.kill()


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    yield r
    r.close()


def call(fleet, method, path, body=None):
    status, answer, _ = send(fleet.port, method, path, body, headers=fleet.token)
    return status, answer


def create(fleet, path, body):
    status, answer = call(fleet, "POST", path, body)
    assert status == 201, answer
    return answer


@pytest.fixture(scope="module")
def hook(fleet, receiver):
    """A webhook channel with a secret, and a rule for every server that sends to it."""
    channel = create(fleet, "/api/v1/channels", {"name": "ops hook", "type": "webhook",
                                                 "url": receiver.url, "secret": "s3cret"})
    rule = create(fleet, "/api/v1/alert-rules", {"name": "every server",
                                                 "channels": [channel["id"]]})
    return channel, rule


def reopen(browser, name, ready):
    """#/`name` rendered anew (what was made through the API since shows)."""
    page(browser, "overview", "main h1")
    return page(browser, name, ready)


def test_an_operator_edits_a_channel_and_a_rule(fleet, browser, hook):
    channel, rule = hook
    log_in(browser, fleet)
    page(browser, "alerts", f"tr[data-channel-id='{channel['id']}'] button.edit")
    click(browser, By.CSS_SELECTOR, f"tr[data-channel-id='{channel['id']}'] button.edit")
    # the form holds the channel's values; the secret is not shown, and left empty it stays
    wait(browser, lambda b: b.find_element(By.ID, "c-name").get_attribute("value") == "ops hook")
    assert browser.find_element(By.ID, "c-url").get_attribute("value") == channel["url"]
    assert browser.find_element(By.ID, "c-secret").get_attribute("value") == ""
    # a URL the API refuses: its message, the field marked, nothing changed
    fill(browser, {"c-url": "ftp://hooks.example.com/x"})
    browser.find_element(By.CSS_SELECTOR, "form.channel button[type=submit]").click()
    error = wait(browser, EC.visibility_of_element_located((By.CSS_SELECTOR,
                                                            "form.channel .error")))
    assert error.text == "the URL must be http:// or https://"
    assert attr(browser, "#c-url", "aria-invalid") == "true"
    assert call(fleet, "GET", f"/api/v1/channels/{channel['id']}")[1]["url"] == channel["url"]
    fill(browser, {"c-url": channel["url"], "c-name": "ops hook renamed"})
    browser.find_element(By.CSS_SELECTOR, "form.channel button[type=submit]").click()
    wait_for(lambda: call(fleet, "GET", f"/api/v1/channels/{channel['id']}")[1]["name"]
             == "ops hook renamed", 10, what="the channel's new name")
    changed = call(fleet, "GET", f"/api/v1/channels/{channel['id']}")[1]
    assert changed["secret_set"] is True and changed["url"] == channel["url"]
    wait(browser, lambda b: "ops hook renamed" in text(b, "table.channels"))
    # the rule: its form filled, after_seconds changed, the rest as it was
    click(browser, By.CSS_SELECTOR, f"tr[data-rule-id='{rule['id']}'] button.edit")
    wait(browser, lambda b: b.find_element(By.ID, "r-name").get_attribute("value")
         == "every server")
    assert browser.execute_script(
        "return [...document.querySelectorAll('form.rule .picks input:checked')]"
        ".map((b) => b.value)") == [channel["id"]]
    fill(browser, {"r-after": "90"})
    browser.find_element(By.CSS_SELECTOR, "form.rule button[type=submit]").click()
    wait_for(lambda: call(fleet, "GET", f"/api/v1/alert-rules/{rule['id']}")[1]
             ["after_seconds"] == 90, 10, what="the rule's new after_seconds")
    changed = call(fleet, "GET", f"/api/v1/alert-rules/{rule['id']}")[1]
    assert changed["name"] == "every server" and changed["channels"] == [channel["id"]]
    assert changed["events"] == ["off", "on"]
    wait(browser, lambda b: "90 s" in text(b, f"tr[data-rule-id='{rule['id']}']"))
    call(fleet, "PATCH", f"/api/v1/alert-rules/{rule['id']}", {"after_seconds": 0})


def test_an_operator_deletes_a_maintenance_window(fleet, browser):
    window = create(fleet, "/api/v1/maintenance", {
        "name": "rack a work", "start": "2030-01-01T10:00:00Z", "end": "2030-01-01T12:00:00Z",
        "servers": {"tags": ["rack:a"]}})
    row = f"tr[data-maintenance-id='{window['id']}']"
    reopen(browser, "alerts", f"{row} button.delete")
    click(browser, By.CSS_SELECTOR, f"{row} button.delete")
    confirm = wait(browser, EC.alert_is_present())
    assert "rack a work" in confirm.text
    confirm.accept()
    wait_for(lambda: call(fleet, "GET", f"/api/v1/maintenance/{window['id']}")[0] == 404, 10,
             what="the window deleted")
    wait(browser, lambda b: not css(b, row))


def test_a_weekly_window_covering_now_is_drawn_on_the_strip(fleet, browser):
    status, listed = call(fleet, "GET", "/api/v1/maintenance")
    assert status == 200 and listed["tz"] == ZONE
    start = datetime.now(ZoneInfo(ZONE)) - timedelta(minutes=30)
    create(fleet, "/api/v1/maintenance", {
        "name": "weekly patching", "servers": {"server_ids": ["web-003"]},
        "weekly": {"days": [start.strftime("%a").lower()], "start": start.strftime("%H:%M"),
                   "duration_minutes": 120}})
    page(browser, "server/web-003", ".strip svg")
    wait(browser, lambda b: len(css(b, ".strip rect.maint")) == 1)
    # it started about 30 minutes ago: the band ends at the strip's right end ("now")
    x = float(attr(browser, ".strip rect.maint", "x"))
    width = float(attr(browser, ".strip rect.maint", "width"))
    assert 970 < x < 985 and abs(x + width - 1000) < 1, (x, width)
    assert "1 maintenance windows" in attr(browser, ".strip svg", "aria-label")
    page(browser, "server/web-004", ".strip svg")
    assert not css(browser, ".strip rect.maint")


def test_weekly_occurrences_follow_the_zone_as_smsd_reads_it(fleet, browser):
    """The strip's reading of a weekly window in Chromium: around DST changes, a time the clocks
    skip starts at the jump and a time they show twice starts at the earlier one
    (report/calendar.cc); a window past midnight and one a week long."""
    def spans(weekly, a, b, tz):
        return browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "import('./ui/page-server.js').then((m) => done(m.occurrences({weekly: arguments[0]},"
            " Date.parse(arguments[1]), Date.parse(arguments[2]), arguments[3])"
            ".map((s) => s.map((t) => new Date(t).toISOString()))))"
            ".catch((e) => done(String(e)));", weekly, a, b, tz)
    sunday = {"days": ["sun"], "start": "02:30", "duration_minutes": 60}
    assert spans(sunday, "2026-03-28T00:00:00Z", "2026-03-30T00:00:00Z", "Europe/Berlin") == [
        ["2026-03-29T01:00:00.000Z", "2026-03-29T02:00:00.000Z"]]
    assert spans(sunday, "2026-10-24T00:00:00Z", "2026-10-26T00:00:00Z", "Europe/Berlin") == [
        ["2026-10-25T00:30:00.000Z", "2026-10-25T01:30:00.000Z"]]
    late = {"days": ["sat", "sun"], "start": "23:30", "duration_minutes": 60}
    assert spans(late, "2026-12-05T08:00:00Z", "2026-12-06T08:00:00Z", ZONE) == [
        ["2026-12-05T16:30:00.000Z", "2026-12-05T17:30:00.000Z"]]
    week = {"days": ["mon"], "start": "00:00", "duration_minutes": 10080}
    assert spans(week, "2026-12-05T00:00:00Z", "2026-12-06T00:00:00Z", "UTC") == [
        ["2026-11-30T00:00:00.000Z", "2026-12-07T00:00:00.000Z"]]
    assert spans(late, "2026-12-05T08:00:00Z", "2026-12-06T08:00:00Z", None) == []


def test_an_alert_shows_on_the_open_page_as_it_opens(fleet, browser, hook, agents):
    agent = Agent(fleet.agent_url(0), "live-1", interval=1)
    agents.append(agent)
    wait_for(lambda: (call(fleet, "GET", "/api/v1/servers/live-1")[1] or {}).get("status")
             == "on", 30, what="live-1 on")
    page(browser, "servers", "table.servers")
    # no timer of the page reads the list again: what shows came from the live stream
    browser.execute_script("window.setInterval = () => 0; location.hash = '#/alerts';")
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "table.alerts tbody tr")))
    agent.stop()
    wait_for(lambda: call(fleet, "GET", "/api/v1/servers/live-1")[1]["status"] == "off", 30,
             what="live-1 off")
    wait(browser, lambda b: alert_state(b, "live-1") == "open", 10)


def test_edit_and_delete_controls_follow_the_role(fleet, browser, hook):
    channel, rule = hook
    create(fleet, "/api/v1/maintenance", {"name": "later", "start": "2030-02-01T10:00:00Z",
                                          "end": "2030-02-01T11:00:00Z"})
    reopen(browser, "alerts", f"tr[data-channel-id='{channel['id']}'] button.edit")
    for table in ("channels", "rules", "maintenance"):
        wait(browser, lambda b: css(b, f"table.{table} button.edit")
             and css(b, f"table.{table} button.delete"))
    log_out(browser)
    log_in(browser, fleet, "vera", "viewer password")
    page(browser, "alerts", f"tr[data-rule-id='{rule['id']}']")
    wait(browser, lambda b: css(b, "table.maintenance tr[data-maintenance-id]"))
    assert not css(browser, "button.edit, button.delete, form.channel, form.rule")
    # the server refuses too, whatever the page shows
    status = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('api/v1/auth/me').then((r) => r.json()).then((me) => fetch("
        "`api/v1/channels/${arguments[0]}`, {method: 'DELETE',"
        " headers: {'X-CSRF-Token': me.csrf_token}})).then((r) => done(r.status));",
        channel["id"])
    assert status == 403
