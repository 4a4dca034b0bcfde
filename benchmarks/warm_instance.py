"""Latency and memory of a warm instance started by `make start`.

    .venv/bin/python benchmarks/warm_instance.py [--requests 200]

Requests each page many times against the running site and prints the median
and p95 latency, as a ratio to a page of stock Plone measured in the same run
(the baseline: the demo /news folder in Plone's own listing view), beside the
Zope process's peak resident memory (VmHWM). Target: peak under 400 MB with
all add-ons and demo content.
"""

from pathlib import Path

import argparse
import json
import os
import statistics
import sys
import time
import urllib.request
import yaml


ROOT = Path(__file__).resolve().parent.parent


def config():
    data = yaml.safe_load((ROOT / "instance.yaml").read_text(encoding="utf-8"))
    port = os.environ.get("MUNICIPALITY_ZOPE_PORT", data["zope_port"])
    instance = Path(os.environ.get("MUNICIPALITY_INSTANCE_DIR", data["instance_dir"]))
    instance = instance if instance.is_absolute() else ROOT / instance
    return f"http://{data['zope_host']}:{port}/{data['site_id']}", instance


def timed(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        assert response.status == 200, (url, response.status)
    return time.perf_counter() - started


def memory_kb(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    site, instance = config()
    pid = int((instance / "var/zope.pid").read_text())
    # The baseline: a page rendered by stock Plone's own view (a folder listing).
    baseline = f"{site}/news"
    pages = {
        "baseline: folder listing (stock Plone view)": (baseline, {}),
        "home page (e-services)": (site, {}),
        "news item": (None, {}),
        "REST: site as JSON": (site, {"Accept": "application/json"}),
        "municipality control panel (admin)": (
            f"{site}/@@municipality-controlpanel",
            {"Authorization": "Basic YWRtaW46YWRtaW4="},
        ),
    }
    news = urllib.request.Request(
        f"{site}/news/@search?portal_type=News%20Item&b_size=1",
        headers={"Accept": "application/json"},
    )
    with urllib.request.urlopen(news, timeout=30) as response:
        pages["news item"] = (json.load(response)["items"][0]["@id"], {})

    results = {}
    for name, (url, headers) in pages.items():
        for _ in range(10):  # warm-up
            timed(url, headers)
        samples = sorted(timed(url, headers) for _ in range(args.requests))
        results[name] = (statistics.median(samples), samples[int(len(samples) * 0.95)])
    base = results["baseline: folder listing (stock Plone view)"][0]
    print(f"site: {site}   requests per page: {args.requests}")
    print(f"{'page':45} {'median ms':>10} {'p95 ms':>8} {'× baseline':>11}")
    for name, (median, p95) in results.items():
        ratio = median / base
        print(f"{name:45} {median * 1000:10.1f} {p95 * 1000:8.1f} {ratio:11.2f}")
    rss = memory_kb(pid, "VmRSS") / 1024
    hwm = memory_kb(pid, "VmHWM") / 1024
    print(f"Zope resident memory: {rss:.0f} MB now, peak {hwm:.0f} MB (< 400 MB)")
    print(f"this benchmark's own peak: {memory_kb(os.getpid(), 'VmHWM') / 1024:.0f} MB")
    return 0 if hwm < 400 else 1


if __name__ == "__main__":
    sys.exit(main())
