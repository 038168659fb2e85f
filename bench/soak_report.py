"""The Markdown table and the verdicts of one shape of bench/soak.sh, from its samples.

Usage: soak_report.py SAMPLES WARMUP OFFERED_PER_S

SAMPLES has one line per sample, tab-separated (bench/soak.sh writes it):
  seconds since the load started, sms_worker_heartbeats_total (written),
  sms_heartbeats_accepted_total (accepted by the healthcheck), lag text ("<= a s / <= b s /
  ..." or "n/a"), lag upper bounds "p50 p99 max" in seconds, processes
  "name=rss_kib/open_files,...", data sizes "label=bytes,...", load average (1 min).
The first line is taken before the load starts. WARMUP is the index of the sample that ends
the warm-up (2: the second sample after the start); the verdicts compare the last sample with
it. Tolerances: RSS +10 %, open files +5, lag p99 +2 s.
"""
import math
import sys

RSS_TOLERANCE = 0.10  # fraction of the warm-up RSS
FILES_TOLERANCE = 5  # open files
LAG_TOLERANCE = 2.0  # seconds of p99 lag
LAG_TARGET = 2.0  # seconds: the end-to-end target's p99 (docs/BENCHMARKS.md)
MIB = 1024 * 1024
# What the bus keeps grows with the heartbeats accepted; the rest with the heartbeats written.
BUS_DATA = {"Kafka"}


def pairs(field, convert):
    out = {}
    for item in filter(None, field.split(",")):
        name, value = item.split("=", 1)
        out[name] = convert(value)
    return out


def parse(line):
    t, written, accepted, lag, bounds, procs, data, load = line.rstrip("\n").split("\t")
    return {
        "t": float(t),
        "written": int(float(written)),
        "accepted": int(float(accepted)),
        "lag": lag,
        "p99": float(bounds.split()[1]),
        "procs": pairs(procs, lambda v: tuple(int(x) for x in v.split("/"))),
        "data": pairs(data, float),
        "load": load,
    }


def clock(seconds):
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


def mib(kib_or_bytes, unit=MIB):
    return f"{kib_or_bytes / unit:.1f}"


def joined(values, fmt, unit):
    cells = [f"{name} {fmt(v)}" for name, v in values.items()]
    if len(cells) == 1:
        return f"{fmt(next(iter(values.values())))} {unit}".strip()
    return " · ".join(cells) + (f" {unit}" if unit else "")


def table(samples):
    print("| time (m:ss) | RSS | open files | data size | heartbeats/s | lag p50 / p99 | load |")
    print("|---|---|---|---|---|---|---|")
    prev = None
    for s in samples:
        rss = joined({n: v[0] for n, v in s["procs"].items()}, lambda k: mib(k, 1024), "MiB")
        files = joined({n: v[1] for n, v in s["procs"].items()}, str, "")
        total = sum(v for v in s["data"].values() if not math.isnan(v))
        data = f"{mib(total)} MiB (" + " · ".join(
            f"{n} {mib(v) if not math.isnan(v) else 'n/a'}" for n, v in s["data"].items()) + ")"
        rate, lag = "–", "–"
        if prev is not None:
            rate = f"{(s['written'] - prev['written']) / max(1e-9, s['t'] - prev['t']):.0f}"
            lag = " / ".join(s["lag"].split(" / ")[:2])
        print(f"| {clock(s['t'])} | {rss} | {files} | {data} | {rate} | {lag} | {s['load']} |")
        prev = s


def verdict(ok):
    return "**flat after warm-up**" if ok else "**NOT flat**"


def verdicts(samples, warmup, offered):
    warm, last = samples[warmup], samples[-1]
    span = f"{clock(warm['t'])} → {clock(last['t'])}"
    print(f"Verdicts, sample at {span} (warm-up: the first {clock(warm['t'])}):")
    print()
    cells, ok = [], True
    for name, (kib, _) in warm["procs"].items():
        now = last["procs"][name][0]
        ok &= now <= kib * (1 + RSS_TOLERANCE)
        cells.append(f"{name} {mib(kib, 1024)} → {mib(now, 1024)} MiB ({(now / kib - 1):+.1%})")
    print(f"- RSS: {verdict(ok)} (tolerance +{RSS_TOLERANCE:.0%}): " + "; ".join(cells))
    cells, ok = [], True
    for name, (_, files) in warm["procs"].items():
        now = last["procs"][name][1]
        ok &= now <= files + FILES_TOLERANCE
        cells.append(f"{name} {files} → {now}")
    print(f"- open files: {verdict(ok)} (tolerance +{FILES_TOLERANCE}): " + "; ".join(cells))
    # Past the last bucket (inf) the histogram cannot tell whether the lag still grows.
    ok = math.isfinite(last["p99"]) and last["p99"] <= warm["p99"] + LAG_TOLERANCE
    late = [clock(s["t"]) for s in samples[warmup + 1:] if not s["p99"] <= LAG_TARGET]
    target = "met at every sample" if not late else "not met at " + ", ".join(late)
    print(f"- last-seen lag p99: {verdict(ok)} (tolerance +{LAG_TOLERANCE:g} s): "
          f"{bound(warm['p99'])} → {bound(last['p99'])}; target p99 ≤ {LAG_TARGET:g} s {target} "
          f"after warm-up (bucket bounds)")
    print(f"- heartbeats/s after warm-up: written {spread(samples[warmup:], 'written')}, "
          f"accepted {spread(samples[warmup:], 'accepted')} (offered {offered:g}/s)")
    counts = {key: last[key] - warm[key] for key in ("written", "accepted")}
    cells = []
    for name, size in warm["data"].items():
        grown = last["data"].get(name, float("nan")) - size
        if math.isnan(grown):
            cells.append(f"{name} n/a")
            continue
        key = "accepted" if name in BUS_DATA else "written"
        per_hb = ""
        if grown > 0 and counts[key] > 0:
            per_hb = f", {grown / counts[key]:.0f} bytes per heartbeat {key}"
        cells.append(f"{name} {mib(size)} → {mib(size + grown)} MiB ({grown / MIB:+.1f} MiB{per_hb})")
    print(f"- data size after warm-up ({counts['written']} heartbeats written, "
          f"{counts['accepted']} accepted): " + "; ".join(cells))


def spread(samples, key):
    """min–max of the per-second rate of a counter between consecutive samples"""
    rates = [(b[key] - a[key]) / max(1e-9, b["t"] - a["t"]) for a, b in zip(samples, samples[1:])]
    return f"{min(rates):.0f}–{max(rates):.0f}"


def bound(seconds):
    if math.isnan(seconds):
        return "n/a"
    return "> 10 s" if math.isinf(seconds) else f"≤ {seconds:g} s"


def main():
    path, warmup, offered = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    with open(path) as f:
        samples = [parse(line) for line in f if line.strip()]
    table(samples)
    print()
    if warmup < 1 or len(samples) < warmup + 2:
        print(f"No verdict: {len(samples) - 1} samples after the start, and the warm-up ends at "
              f"sample {warmup}: none after it to compare.")
        return
    verdicts(samples, warmup, offered)


main()
