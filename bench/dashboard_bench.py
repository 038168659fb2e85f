#!/usr/bin/python3
"""The dashboard over a large fleet, measured in Debian's Chromium with the Performance API.

Builds a fleet on the embedded shape (`smsd all`, SQLite) by importing .xlsx files of 25 000
rows (bench/excel_bench.py's writer, untimed), then, in headless Chromium:
  - first row: from the login's submit to the first rendered row of the servers page (the
    page marks `sms-rows-rendered` when a page of rows is in the DOM);
  - page change: from a click on "Next" to that mark, --changes times, and the same for a sort.
Prints a Markdown table (median and p95); docs/BENCHMARKS.md records a run.

    bench/dashboard_bench.py --smsd build/bin/smsd --servers 1000000
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "web"))
import excel_bench  # noqa: E402
from conftest import make_driver, quit_driver  # noqa: E402

# Small enough that an import answers within smsd's read timeout on a busy machine.
BATCH = 25_000


def seed(port, servers):
    """Imports servers srv-<n> up to `servers`, from what is there already (a rerun resumes)."""
    import json
    _, _, page = excel_bench.request(port, "GET", "/api/v1/servers?limit=1")  # total: O(1)
    for first in range(json.loads(page)["total"], servers, BATCH):
        data = excel_bench.workbook(first, min(BATCH, servers - first))
        status, _, body = excel_bench.request(
            port, "POST", "/api/v1/servers/import", excel_bench.multipart(data),
            {"Content-Type": f"multipart/form-data; boundary={excel_bench.BOUNDARY}"})
        assert status == 200, body


def mark_after(driver, t0, timeout=30):
    """ms from t0 (performance.now()) to the first sms-rows-rendered mark after it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        t = driver.execute_script(
            "const m = performance.getEntriesByName('sms-rows-rendered').filter(e => e.startTime > arguments[0]);"
            "return m.length ? m[0].startTime : null;", t0)
        if t is not None:
            return t - t0
        time.sleep(0.005)
    raise TimeoutError("no rows rendered")


def click_and_time(driver, selector):
    t0 = driver.execute_script(
        "const t = performance.now(); document.querySelector(arguments[0]).click(); return t;", selector)
    return mark_after(driver, t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smsd", default="build/bin/smsd")
    ap.add_argument("--servers", type=int, default=1_000_000)
    ap.add_argument("--changes", type=int, default=20)
    ap.add_argument("--port", type=int, help="a running smsd (its admin: bench, SMS_BENCH_PASSWORD)")
    ap.add_argument("--page-port", type=int, help="where the browser opens the page (default --port)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="sms-dash-bench-") as d:
        if a.port:
            excel_bench.BENCH_PASSWORD = os.environ["SMS_BENCH_PASSWORD"]
            proc, port = None, a.port
        else:
            proc, port = excel_bench.start_smsd(a.smsd, d)
        try:
            started = time.monotonic()
            seed(port, a.servers)
            seeded = time.monotonic() - started
            driver = make_driver(d)
            try:
                driver.get(f"http://127.0.0.1:{a.page_port or port}/#/servers")
                time.sleep(1)
                driver.find_element("name", "username").send_keys("bench")
                driver.find_element("name", "password").send_keys(excel_bench.BENCH_PASSWORD)
                t0 = driver.execute_script(
                    "const t = performance.now(); document.querySelector('form.login button').click(); return t;")
                first = mark_after(driver, t0)
                pages = [click_and_time(driver, "button.next") for _ in range(a.changes)]
                sorts = [click_and_time(driver, "th[data-sort=last_seen] button") for _ in range(a.changes)]
            finally:
                quit_driver(driver)
        finally:
            if proc:
                proc.kill()
    q = lambda xs: (statistics.median(xs), sorted(xs)[max(0, int(len(xs) * 0.95) - 1)])  # noqa: E731
    print(f"Dashboard over {a.servers:,} servers (seeded in {seeded:.0f} s), Chromium headless:")
    print()
    print("| measure | median | p95 | target |")
    print("|---|---|---|---|")
    print(f"| login → first rendered row | {first:.0f} ms | – | ≤ 1000 ms |")
    print("| page change (Next) | {:.0f} ms | {:.0f} ms | ≤ 150 ms |".format(*q(pages)))
    print("| sort change (last seen) | {:.0f} ms | {:.0f} ms | ≤ 150 ms |".format(*q(sorts)))


if __name__ == "__main__":
    main()
