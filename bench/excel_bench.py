#!/usr/bin/env python3
"""Excel import/export benchmark on the embedded shape (`smsd all`, SQLite), over HTTP.

Builds a fleet by importing files of --batch rows (each written by openpyxl, untimed), timing
every import (upload, parse, validate, one SQL transaction, JSON answer). Then times exports of
the whole fleet and of a filtered part, the download included, and checks the files: the rows
counted in the sheet's XML, and with --verify every row read back by openpyxl.

    bench/excel_bench.py --smsd build-excel-rel/bin/smsd --servers 1000000

Prints a Markdown report. Needs python3-openpyxl (Debian); Debian's /usr/bin/python3 has it.
"""
import argparse
import http.client
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

try:
    import openpyxl
except ImportError:  # a python3 other than Debian's: use Debian's python3-openpyxl
    sys.path.append("/usr/lib/python3/dist-packages")
    import openpyxl

import http_call  # noqa: E402

BOUNDARY = "sms-bench-boundary"


def workbook(first, count):
    """An .xlsx of `count` servers numbered from `first`, as an operator would write it."""
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("servers")
    ws.append(["server_id", "server_name", "ipv4", "hostname"])
    for i in range(first, first + count):
        ws.append([f"srv-{i:07d}", f"Server {i:07d}",
                   f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}", f"host-{i:07d}.example"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


BENCH_PASSWORD = "bench-" + os.urandom(8).hex()
TOKEN = []  # the bench admin's access token, once logged in


def multipart(data):
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"servers.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\n")
    return head.encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def request(port, method, path, body=None, headers=None):
    """One request as the bench admin (logged in on first use)."""
    if path != "/api/v1/auth/login" and not TOKEN:
        login = json.dumps({"username": "bench", "password": BENCH_PASSWORD})
        _, _, answer = request(port, "POST", "/api/v1/auth/login", login,
                               {"Content-Type": "application/json"})
        TOKEN.append(json.loads(answer)["access_token"])
    headers = dict(headers or {})
    if TOKEN:
        headers["Authorization"] = "Bearer " + TOKEN[0]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        return http_call.send(conn, method, path, body, headers)
    finally:
        conn.close()


def rss_peak_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return 0


def sheet_rows(xlsx):
    """Rows of the first worksheet, counted in its XML as it inflates."""
    rows, tail = 0, b""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z, z.open("xl/worksheets/sheet1.xml") as f:
        while chunk := f.read(1 << 20):
            rows += (tail + chunk).count(b"<row ")
            tail = chunk[-4:]
    return rows


def start_smsd(smsd, data_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMS_")}
    env.update(SMS_ADMIN_USER="bench", SMS_ADMIN_PASSWORD=BENCH_PASSWORD)
    proc = subprocess.Popen([smsd, "all", "--listen", "127.0.0.1:0", "--data-dir", data_dir],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    for line in proc.stdout:
        m = re.search(r"listening on http://[\d.]+:(\d+)", line)
        if m:
            # Keep draining its log, or smsd blocks on a full pipe.
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            return proc, int(m.group(1))
    raise RuntimeError("smsd did not start")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smsd", default="build/bin/smsd")
    ap.add_argument("--servers", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=100_000)
    ap.add_argument("--verify", action="store_true", help="read every exported row back")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="sms-excel-bench-") as data_dir:
        proc, port = start_smsd(args.smsd, data_dir)
        try:
            run(args, proc, port)
        finally:
            proc.terminate()
            proc.wait(60)


def run(args, proc, port):
    print(f"## Excel import/export: `smsd all` (SQLite), {args.servers:,} servers\n")
    print("| step | rows | file | seconds | rows/s |")
    print("|---|---|---|---|---|")
    imports = []
    for first in range(0, args.servers, args.batch):
        count = min(args.batch, args.servers - first)
        data = workbook(first, count)
        body = multipart(data)
        t = time.perf_counter()
        status, _, answer = request(port, "POST", "/api/v1/servers/import", body,
                                    {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
        seconds = time.perf_counter() - t
        report = json.loads(answer)
        assert status == 200, answer[:500]
        assert report["imported"]["count"] == count, report["failed"]["items"][:3]
        imports.append(seconds)
        print(f"| import into {first:,} servers | {count:,} | {len(data) / 2**20:.1f} MiB "
              f"| {seconds:.2f} | {count / seconds:,.0f} |")

    for label, query, expected in [("export all", "", args.servers),
                                   ("export q=Server 00 (10%), sort=ipv4 desc",
                                    "?q=Server%2000&sort=ipv4&order=desc",
                                    min(args.servers, 100_000))]:
        t = time.perf_counter()
        status, headers, xlsx = request(port, "GET", "/api/v1/servers/export" + query)
        seconds = time.perf_counter() - t
        assert status == 200, xlsx[:500]
        rows = sheet_rows(xlsx) - 1
        assert rows == expected, (rows, expected)
        print(f"| {label} | {rows:,} | {len(xlsx) / 2**20:.1f} MiB | {seconds:.2f} "
              f"| {rows / seconds:,.0f} |")
        if args.verify and label == "export all":
            ws = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True).active
            seen = sum(1 for _ in ws.iter_rows(min_row=2, values_only=True))
            assert seen == expected, seen
    print(f"\nsmsd peak RSS: {rss_peak_mib(proc.pid)} MiB; "
          f"Content-Disposition: {headers.get('Content-Disposition')}")


if __name__ == "__main__":
    main()
