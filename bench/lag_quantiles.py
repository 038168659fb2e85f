"""Quantiles of sms_heartbeat_lag_seconds between two /metrics snapshots.

Usage: lag_quantiles.py [--seconds] AFTER [BEFORE]  (Prometheus text files). Prints
"p50 / p99 / max" as the bucket bounds that contain them (a histogram gives no finer answer);
with --seconds, the three upper bounds as numbers ("inf" past the last bucket, "nan" when no
heartbeat was written in between), for a script to compare.
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


args = sys.argv[1:]
numeric = args[:1] == ["--seconds"]
args = args[1:] if numeric else args
after = buckets(args[0])
before = buckets(args[1]) if len(args) > 1 else {}
series = sorted((le, count - before.get(le, 0)) for le, count in after.items())
total = series[-1][1] if series else 0
if total <= 0:
    print("nan nan nan" if numeric else "n/a")
    sys.exit(0)


def bound(le):
    return "> 10 s" if le == float("inf") else f"<= {le:g} s"


def quantile(q):
    return next(le for le, count in series if count >= q * total)


bounds = [quantile(q) for q in (0.5, 0.99, 1.0)]
if numeric:
    print(" ".join(f"{le:g}" for le in bounds))
else:
    print(" / ".join(bound(le) for le in bounds))
