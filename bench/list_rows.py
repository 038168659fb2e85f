#!/usr/bin/env python3
"""store_bench's JSON (stdin) as Markdown table rows: name | mean | p50 | p99 (when timed)."""
import json
import sys


def shown(micros):
    return f"{micros / 1000:.2f} ms" if micros >= 1000 else f"{micros:.0f} µs"


for b in json.load(sys.stdin)["benchmarks"]:
    mean = b["real_time"] * {"ns": 1e-3, "us": 1, "ms": 1e3, "s": 1e6}[b["time_unit"]]
    p50 = shown(b["p50_us"]) if "p50_us" in b else ""
    p99 = shown(b["p99_us"]) if "p99_us" in b else ""
    print(f"| {b['name']} | {shown(mean)} | {p50} | {p99} |")
