"""Reads Prometheus text on stdin; prints p50 / p99 / max of sms_heartbeat_lag_seconds."""
import re
import sys

buckets = []
for line in sys.stdin:
    m = re.match(r'sms_heartbeat_lag_seconds_bucket\{le="([^"]+)"\} (\S+)', line)
    if m:
        buckets.append((float("inf") if m.group(1) == "+Inf" else float(m.group(1)),
                        float(m.group(2))))
if not buckets or buckets[-1][1] == 0:
    print("n/a")
    sys.exit(0)
total = buckets[-1][1]


def quantile(q):
    for le, count in buckets:
        if count >= q * total:
            return "> %g s" % buckets[-2][0] if le == float("inf") else "<= %g s" % le
    return "n/a"


top = next((le for le, c in reversed(buckets) if c < total), 0)
print(f"{quantile(0.5)} / {quantile(0.99)} / {'>' if top == buckets[-2][0] else '<='} "
      f"{[le for le, c in buckets if c >= total][0]} s")
