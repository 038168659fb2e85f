"""Quantiles of sms_heartbeat_lag_seconds between two /metrics snapshots.

Usage: lag_quantiles.py AFTER [BEFORE]  (Prometheus text files). Prints "p50 / p99 / max"
as the bucket bounds that contain them (a histogram gives no finer answer).
"""
import re
import sys


def buckets(path):
    out = {}
    with open(path) as f:
        for line in f:
            m = re.match(r'sms_heartbeat_lag_seconds_bucket\{le="([^"]+)"\} (\S+)', line)
            if m:
                out[float("inf") if m.group(1) == "+Inf" else float(m.group(1))] = float(m.group(2))
    return out


after = buckets(sys.argv[1])
before = buckets(sys.argv[2]) if len(sys.argv) > 2 else {}
series = sorted((le, count - before.get(le, 0)) for le, count in after.items())
total = series[-1][1] if series else 0
if total <= 0:
    print("n/a")
    sys.exit(0)


def bound(le):
    return "> 10 s" if le == float("inf") else f"<= {le:g} s"


def quantile(q):
    return next(bound(le) for le, count in series if count >= q * total)


print(f"{quantile(0.5)} / {quantile(0.99)} / {quantile(1.0)}")
