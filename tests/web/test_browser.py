"""The dashboard in Debian's Chromium against a real smsd: what an operator does, and what a
viewer and a logged-out visitor see. One browser for the module (start-up costs seconds)."""
import glob
import os
import time

import pytest

pytest.importorskip("selenium")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from conftest import (Agent, attr, axe_violations, click, css, log_in, log_out, open_servers,
                      row_ids, send, text, wait, wait_for)

def first_rows_change(browser, before):
    wait(browser, lambda b: row_ids(b) and row_ids(b) != before)
    return row_ids(browser)


def test_an_operator_filters_sorts_pages_and_edits(fleet, browser):
    log_in(browser, fleet)
    open_servers(browser)
    assert row_ids(browser)[:3] == ["web-000", "web-001", "web-002"]
    assert text(browser, ".pageinfo") == "1–50 of 120"
    # page
    click(browser, By.CSS_SELECTOR, "button.next")
    wait(browser, lambda b: text(b, ".pageinfo") == "51–100 of 120")
    assert row_ids(browser)[0] == "web-050"
    click(browser, By.CSS_SELECTOR, "button.next")
    wait(browser, lambda b: text(b, ".pageinfo") == "101–120 of 120")
    assert row_ids(browser)[-1] == "web-119"
    assert css(browser, "button.next:disabled")
    # back by the page's prev cursor
    click(browser, By.CSS_SELECTOR, "button.prev")
    wait(browser, lambda b: text(b, ".pageinfo") == "51–100 of 120")
    assert row_ids(browser)[0] == "web-050"
    # sort by name, descending on the second click (back to the first page)
    click(browser, By.CSS_SELECTOR, "th[data-sort=server_name] button")
    wait(browser, lambda b: row_ids(b)[0] == "web-000")
    click(browser, By.CSS_SELECTOR, "th[data-sort=server_name] button")
    wait(browser, lambda b: row_ids(b)[0] == "web-119")
    assert attr(browser, "th[data-sort=server_name]", "aria-sort") == "descending"
    # filter
    browser.find_element(By.NAME, "q").send_keys("web-11")
    wait(browser, lambda b: sorted(row_ids(b)) == [f"web-11{i}" for i in range(10)])
    Select(browser.find_element(By.NAME, "status")).select_by_value("on")
    wait(browser, lambda b: row_ids(b) == [])
    Select(browser.find_element(By.NAME, "status")).select_by_value("")
    browser.find_element(By.NAME, "q").clear()
    browser.find_element(By.NAME, "q").send_keys("web-007", Keys.TAB)
    wait(browser, lambda b: row_ids(b) == ["web-007"])
    assert attr(browser, "tr[data-server-id=web-007] td[data-status]", "data-status") == "off"
    # open it and edit it
    click(browser, By.LINK_TEXT, "web-007")
    name = wait(browser, EC.visibility_of_element_located((By.ID, "e-server_name")))
    name.clear()
    name.send_keys("Renamed 007")
    browser.find_element(By.CSS_SELECTOR, "button.save").click()
    wait(browser, lambda b: send(fleet.port, "GET", "/api/v1/servers/web-007",
                                 headers=fleet.token)[1]["server_name"] == "Renamed 007")
    assert css(browser, ".strip svg rect")  # the timeline strip
    assert len(css(browser, "dl.uptimes dd")) == 3


def test_import_shows_both_lists_and_export_downloads_the_view(fleet, browser, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["server_id", "server_name", "ipv4"])
    sheet.append(["imp-1", "Imported one", "10.9.0.1"])
    sheet.append(["web-001", "Taken id", "10.9.0.2"])
    path = tmp_path / "servers.xlsx"
    book.save(path)
    open_servers(browser)
    browser.find_element(By.ID, "import-file").send_keys(str(path))
    imported = wait(browser, EC.visibility_of_element_located((By.CSS_SELECTOR, ".results .imported")))
    assert "Imported (1)" in imported.text and "imp-1" in imported.text
    failed = browser.find_element(By.CSS_SELECTOR, ".results .failed")
    assert "Failed (1)" in failed.text and "web-001" in failed.text
    # export the view: filtered to "imp"
    browser.find_element(By.NAME, "q").clear()
    browser.find_element(By.NAME, "q").send_keys("imp-")
    wait(browser, lambda b: row_ids(b) == ["imp-1"])
    click(browser, By.LINK_TEXT, "Export to Excel")
    files = wait(browser, lambda b: [f for f in glob.glob(os.path.join(b._sms_downloads, "*.xlsx"))])
    rows = list(openpyxl.load_workbook(files[0]).active.iter_rows(values_only=True))
    assert len(rows) == 2 and "imp-1" in rows[1]


def test_a_report_is_requested_and_followed_until_sent(fleet, browser):
    browser.get(browser.current_url.split("#")[0] + "#/reports")
    emails = wait(browser, EC.visibility_of_element_located((By.NAME, "emails")))
    emails.send_keys("ops@example.com", Keys.ENTER)
    cell = wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "td[data-mail-status]")))
    wait(browser, lambda b: attr(b, "td[data-mail-status]", "data-mail-status") == "sent", 30)
    assert cell


def test_a_server_turns_off_live_without_a_reload(fleet, browser, agents):
    agent = Agent(fleet.agent_url(0), "live-1", interval=1)
    agents.append(agent)
    wait_for(lambda: (send(fleet.port, "GET", "/api/v1/servers/live-1", headers=fleet.token)[1] or {}).get("status") == "on", 30)
    open_servers(browser)
    browser.find_element(By.NAME, "q").clear()
    browser.find_element(By.NAME, "q").send_keys("live-1")
    wait(browser, lambda b: row_ids(b) == ["live-1"])
    cell = "tr[data-server-id=live-1] td[data-status]"
    wait(browser, lambda b: attr(b, cell, "data-status") == "on")
    browser.execute_script("window.smsNoReload = 1")
    agent.stop()
    wait(browser, lambda b: attr(b, cell, "data-status") == "off", 30)
    assert browser.execute_script("return window.smsNoReload") == 1
    assert "ago" in text(browser, "tr[data-server-id=live-1] td.ago")


def test_no_serious_accessibility_violation(fleet, browser):
    for page, ready in (("overview", ".tiles .tile"), ("servers", "tr[data-server-id]"),
                        ("server/web-010", "dl.fields dd"), ("reports", "form.report"),
                        ("admin", "section.panel")):
        bad = axe_violations(browser, page, ready)
        assert not bad, f"#{page}: {bad}"


def test_a_viewer_sees_no_edit_controls(fleet, browser):
    log_out(browser)
    log_in(browser, fleet, "vera", "viewer password")
    open_servers(browser)
    assert not css(browser, "details.panel")  # no "Add a server"
    assert not css(browser, "#import-file")
    assert not [b for b in css(browser, "tbody button") if b.text == "Delete"]
    click(browser, By.LINK_TEXT, "web-010")
    wait(browser, EC.visibility_of_element_located((By.CSS_SELECTOR, "dl.fields dd")))
    assert not css(browser, "dl.fields input") and not css(browser, "button.save")
    # the server refuses too, whatever the page shows
    status = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('api/v1/servers/web-010', {method: 'DELETE'}).then((r) => done(r.status));")
    assert status == 403


def test_a_logged_out_page_goes_to_login(fleet, browser):
    log_out(browser)
    browser.get(browser.current_url.split("#")[0] + "#/servers")
    wait(browser, EC.visibility_of_element_located((By.NAME, "username")))
    assert not row_ids(browser)
    # a session that ends while the page is open (deleted cookie) goes there too
    log_in(browser, fleet)
    open_servers(browser)
    browser.delete_all_cookies()
    browser.execute_script("location.hash = '#/overview'")  # its next request gets 401
    wait(browser, EC.visibility_of_element_located((By.NAME, "username")))
