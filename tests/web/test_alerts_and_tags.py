"""The Alerts page and the servers' tags in Debian's Chromium against a real smsd: an operator
makes a channel (and tests it), a rule and a maintenance window, sees a stopped agent's alert and
acknowledges it; a viewer sees the alert and no control; a tag filter narrows the list and the
forms set tags."""
from datetime import datetime, timedelta, timezone

import pytest

pytest.importorskip("selenium")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402

from conftest import (ADMIN_USER, Agent, Receiver, attr, axe_violations, click,  # noqa: E402
                      css, log_in, log_out, open_servers, row_ids, send, text, wait, wait_for)


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    yield r
    r.close()


def page(browser, name, ready):
    browser.get(f"{browser.current_url.split('#')[0]}#/{name}")
    return wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, ready)))


def fill(browser, values):
    """Types each value into the input whose id is the key, its old value deleted by keys (as
    a person does: clear() sends no input event)."""
    for key, value in values.items():
        def attempt(b):  # again if a re-render replaced the input meanwhile
            field = b.find_element(By.ID, key)
            field.send_keys(Keys.CONTROL, "a")
            field.send_keys(Keys.BACKSPACE, value)
            return field.get_attribute("value") == value
        wait(browser, attempt)


def alert_state(browser, server_id):
    return browser.execute_script(
        "const r = [...document.querySelectorAll('table.alerts tr[data-alert-id]')].find("
        "(tr) => tr.querySelector('a').textContent === arguments[0]);"
        "return r ? r.querySelector('[data-state]').dataset.state : null;", server_id)


def api(fleet, path):
    return send(fleet.port, "GET", path, headers=fleet.token)[1]


def test_filtering_by_tag_narrows_the_list_and_the_forms_set_tags(fleet, browser):
    log_in(browser, fleet)
    open_servers(browser)
    wait(browser, lambda b: "rack:a" in text(b, "tr[data-server-id=web-000]"))
    fill(browser, {"f-tag": "rack:a"})
    wait(browser, lambda b: row_ids(b) == [f"web-00{i}" for i in range(10)])
    fill(browser, {"f-tag": "rack:a, prod"})  # every tag must match
    wait(browser, lambda b: row_ids(b) == [f"web-00{i}" for i in range(0, 10, 2)])
    assert "tag=rack%3Aa&tag=prod" in attr(browser, "a[download]", "href")
    # a tag of a row adds itself to the filter
    fill(browser, {"f-tag": ""})
    wait(browser, lambda b: len(row_ids(b)) == 50)
    click(browser, By.CSS_SELECTOR, "tr[data-server-id=web-001] button.tag")
    wait(browser, lambda b: len(row_ids(b)) == 10)
    assert browser.execute_script("return document.getElementById('f-tag').value") == "rack:a"
    fill(browser, {"f-tag": ""})
    # create with tags, then change them on the server's page
    click(browser, By.CSS_SELECTOR, "details.panel summary")
    fill(browser, {"new-server_id": "tagged-1", "new-server_name": "Tagged one",
                   "new-tags": "Blue, rack:c"})
    browser.find_element(By.CSS_SELECTOR, "form.create button[type=submit]").click()
    wait_for(lambda: (api(fleet, "/api/v1/servers/tagged-1") or {}).get("tags")
             == ["blue", "rack:c"], 10)
    page(browser, "server/tagged-1", "#e-tags")
    wait(browser, lambda b: b.find_element(By.ID, "e-tags").get_attribute("value")
         == "blue, rack:c")
    fill(browser, {"e-tags": "green"})
    browser.find_element(By.CSS_SELECTOR, "button.save").click()
    wait_for(lambda: api(fleet, "/api/v1/servers/tagged-1")["tags"] == ["green"], 10)


def test_an_operator_sets_up_alerts_and_acknowledges_one(fleet, browser, receiver, agents):
    page(browser, "alerts", "form.channel")
    fill(browser, {"c-name": "ops hook", "c-url": receiver.url})
    browser.find_element(By.CSS_SELECTOR, "form.channel button[type=submit]").click()
    click(browser, By.CSS_SELECTOR, "table.channels button.test")
    wait_for(lambda: receiver.events(), 20, what="the test message")
    # a rule for the channel (ticked in the form), and a bad one: the API's message shows
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "form.rule .picks input")))
    fill(browser, {"r-name": "no channel"})
    browser.find_element(By.CSS_SELECTOR, "form.rule button[type=submit]").click()
    error = wait(browser, EC.visibility_of_element_located((By.CSS_SELECTOR, "form.rule .error")))
    assert error.text == "a rule needs at least one channel"
    browser.find_element(By.CSS_SELECTOR, "form.rule .picks input").click()
    fill(browser, {"r-name": "every server"})
    browser.find_element(By.CSS_SELECTOR, "form.rule button[type=submit]").click()
    wait(browser, lambda b: "every server" in text(b, "table.rules"))
    # a maintenance window from now for an hour, for another server
    start = datetime.now().replace(second=0, microsecond=0)
    fill(browser, {"m-name": "rack b work", "m-ids": "web-050"})
    for key, at in (("m-start", start), ("m-end", start + timedelta(hours=1))):
        browser.execute_script("document.getElementById(arguments[0]).value = arguments[1]",
                               key, at.strftime("%Y-%m-%dT%H:%M"))
    browser.find_element(By.CSS_SELECTOR, "form.maintenance button[type=submit]").click()
    wait(browser, lambda b: "rack b work" in text(b, "table.maintenance"))
    window = api(fleet, "/api/v1/maintenance")["items"][0]
    assert window["servers"]["server_ids"] == ["web-050"]
    assert window["start"] == start.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    # an agent that stops opens an alert; Ack acknowledges it
    agent = Agent(fleet.agent_url(0), "alert-1", interval=1)
    agents.append(agent)
    wait_for(lambda: (api(fleet, "/api/v1/servers/alert-1") or {}).get("status") == "on", 30)
    agent.stop()
    wait(browser, lambda b: alert_state(b, "alert-1") == "open", 40)
    click(browser, By.CSS_SELECTOR, "table.alerts button.ack")
    wait(browser, lambda b: alert_state(b, "alert-1") == "acknowledged")
    alert = api(fleet, "/api/v1/alerts?server_id=alert-1")["items"][0]
    assert alert["state"] == "acknowledged" and alert["acknowledged_by"] == ADMIN_USER
    assert not css(browser, "table.alerts button.ack")
    bad = axe_violations(browser, "alerts", "table.alerts tr[data-alert-id]")
    assert not bad, bad


def test_the_server_strip_shows_its_maintenance(fleet, browser):
    page(browser, "server/web-050", ".strip svg")
    wait(browser, lambda b: css(b, ".strip rect.maint"))
    assert "maintenance" in browser.find_element(By.CSS_SELECTOR, ".strip svg").get_attribute(
        "aria-label")
    page(browser, "server/web-051", ".strip svg")
    assert not css(browser, ".strip rect.maint")


def test_a_viewer_sees_alerts_and_no_control(fleet, browser):
    log_out(browser)
    log_in(browser, fleet, "vera", "viewer password")
    page(browser, "alerts", "table.alerts tr[data-alert-id]")
    wait(browser, lambda b: alert_state(b, "alert-1") == "acknowledged")
    wait(browser, lambda b: "ops hook" in text(b, "table.channels"))
    assert not css(browser, "button.ack") and not css(browser, "button.test")
    assert not css(browser, "form.channel, form.rule, form.maintenance")
    # the server refuses too, whatever the page shows
    alert_id = api(fleet, "/api/v1/alerts?server_id=alert-1")["items"][0]["id"]
    status = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('api/v1/auth/me').then((r) => r.json()).then((me) => fetch("
        "`api/v1/alerts/${arguments[0]}/ack`, {method: 'POST',"
        " headers: {'X-CSRF-Token': me.csrf_token}})).then((r) => done(r.status));", alert_id)
    assert status == 403
    open_servers(browser)
    assert not css(browser, "details.panel")
    browser.find_element(By.ID, "f-tag").send_keys("prod", Keys.TAB)
    wait(browser, lambda b: len(row_ids(b)) == 5)
