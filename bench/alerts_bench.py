#!/usr/bin/env python3
"""Alerts under a storm: N servers (10 000) go off together (registered by one heartbeat each
at interval 15 s; smsd stopped, and started again once all are overdue, so that one sweep turns
them all off) on the embedded default; how long
from the sweep that turns them off to the last notification delivered (one digest per rule's
window) at a local webhook receiver. Prints a Markdown section; docs/BENCHMARKS.md records one.

  python3 bench/alerts_bench.py BIN_DIR [--servers N] [--group-seconds S ...]
"""
import argparse
import http.client
import json
import os
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from http_call import exchange as request

PASSWORD = "bench alerts password"
INTERVAL = 15  # seconds: longer than the registration takes


class Receiver:
    def __init__(self):
        self.arrivals = []  # (monotonic time, event, count)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.arrivals.append((time.monotonic(), body["event"], body.get("count", 1)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def start(bin_dir, data, env, group_seconds):
    """group_seconds None: smsd's default window."""
    window = [] if group_seconds is None else ["--alert-group-seconds", str(group_seconds)]
    proc = subprocess.Popen(
        [os.path.join(bin_dir, "smsd"), "all", "--listen", "127.0.0.1:0", "--data-dir", data,
         "--heartbeat-grace", "1", "--sweep-interval-ms", "100", "--allow-private-webhooks",
         *window],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    port = None
    for line in proc.stdout:
        if "listening on http://" in line:
            port = int(line.split("listening on http://")[1].split(" ")[0].rsplit(":", 1)[1])
            break
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return proc, port


def run(bin_dir, servers, group_seconds):
    receiver = Receiver()
    data = tempfile.mkdtemp(prefix="sms-alerts-bench-")
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith("SMS_"))
    env.update(SMS_ADMIN_USER="bench", SMS_ADMIN_PASSWORD=PASSWORD)
    proc, port = start(bin_dir, data, env, group_seconds)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        _, login = request(conn, "POST", "/api/v1/auth/login",
                           {"username": "bench", "password": PASSWORD})
        token = login["access_token"]
        _, ch = request(conn, "POST", "/api/v1/channels",
                        {"name": "hook", "type": "webhook", "url": receiver.url, "secret": "s"},
                        token)
        request(conn, "POST", "/api/v1/alert-rules", {"name": "all", "channels": [ch["id"]]},
                token)
        # One heartbeat each (8 connections): registered and on, none overdue before the stop.
        def register(k):
            beats = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            for i in range(k, servers, 8):
                status, _ = request(beats, "POST", "/healthcheck",
                                    {"server_id": f"storm-{i:05}", "interval": INTERVAL})
                assert status == 202
        threads = [threading.Thread(target=register, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # Stopped while every server is on, started again once all are overdue: the first
        # sweep after the start turns the 10 000 off together.
        proc.terminate()
        proc.wait(60)
        time.sleep(INTERVAL + 2)
        proc, port = start(bin_dir, data, env, group_seconds)
        t_sweep = time.monotonic()  # the first sweep runs within --sweep-interval-ms of this
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        _, login = request(conn, "POST", "/api/v1/auth/login",
                           {"username": "bench", "password": PASSWORD})
        token = login["access_token"]
        seen = {}

        def watch():  # on its own connection, from before the first server goes off
            watcher = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            end = time.monotonic() + 180
            while time.monotonic() < end and "all" not in seen:
                _, stats = request(watcher, "GET", "/api/v1/stats", None, token)
                if stats["off"] > 0:
                    seen.setdefault("first", time.monotonic())
                if stats["off"] >= servers:
                    seen["all"] = time.monotonic()
                time.sleep(0.02)
        watcher = threading.Thread(target=watch)
        watcher.start()
        watcher.join()
        t_first_off, t_all_off = t_sweep, seen["all"]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if sum(c for _, e, c in receiver.arrivals if e in ("digest", "off")) >= servers:
                break
            time.sleep(0.02)
        time.sleep(1)
        last = max(t for t, _, _ in receiver.arrivals)
        digests = [t for t, e, _ in receiver.arrivals if e == "digest"]
        return {"servers": servers, "group": group_seconds,
                "all_off": t_all_off - t_first_off, "last": last - t_first_off,
                "digest": (max(digests) - t_first_off) if digests else None,
                "requests": len(receiver.arrivals),
                "kinds": sorted((e, c) for _, e, c in receiver.arrivals),
                "covered": sum(c for _, e, c in receiver.arrivals if e in ("digest", "off"))}
    finally:
        proc.terminate()
        proc.wait(30)
        receiver.server.shutdown()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin_dir")
    ap.add_argument("--servers", type=int, default=10000)
    # None: smsd's default window, without the flag.
    ap.add_argument("--group-seconds", type=int, nargs="+", default=[None, 2])
    args = ap.parse_args()
    print("## Alerts: a storm of servers going off together (smsd all, SQLite)")
    print()
    print("| servers | grouping window | sweep -> all off in SQL | sweep -> digest delivered "
          "| sweep -> last delivery | requests to the receiver | servers covered |")
    print("|---|---|---|---|---|---|---|")
    for g in args.group_seconds:
        r = run(args.bin_dir, args.servers, g)
        digest = f"{r['digest']:.1f} s" if r["digest"] is not None else "-"
        label = "default" if g is None else f"{g} s"
        print(f"| {r['servers']} | {label} | {r['all_off']:.1f} s | {digest} | {r['last']:.1f} s "
              f"| {r['requests']} | {r['covered']} |")
        if os.environ.get("SMS_BENCH_VERBOSE"):
            print(r["kinds"])
    print()
    print("Target: every rule's digest delivered <= 10 s after the sweep (the grouping window is "
          "part of that time).")


if __name__ == "__main__":
    main()
