"""Throughput of citizens' requests over REST, beside plain Documents, same run.

    make start
    .venv/bin/python benchmarks/submissions.py [--clients 20] [--seconds 60]

Two loads, one after the other, against the site `make start` runs:

* **baseline**: ``--clients`` threads create plain Documents through
  plone.restapi (``POST /bench-documents``) as an editor, for ``--seconds``;
* **requests**: the same number of threads, each logged in as its own
  citizen, submit requests (``POST /requests``, ``@type: CitizenRequest``)
  for the same time. Each gets a reference number, a deadline on the
  working-day calendar, an outbox mail and catalog entries.

Prints for each: requests per second, p50/p95 latency, errors, and for the
citizen requests the gaps and duplicates in the reference numbers handed
out (every number between the first and the last must belong to exactly one
created request). Also the Zope process's peak resident memory (VmHWM).

Target: requests ≥ 0.7× the baseline's throughput, zero errors, zero gaps.
The script creates its users (``bench-citizen-N``, ``bench-editor``) and the
``bench-documents`` folder the first time; re-running it adds more items.
"""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import argparse
import base64
import os
import re
import requests
import statistics
import sys
import threading
import time
import yaml


ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-Passw0rd!"  # noqa: S105 - a throwaway benchmark account
NUMBER_RE = re.compile(r"^(?P<series>[^-]+)-(?P<year>\d{4})/(?P<number>\d+)$")


def config():
    data = yaml.safe_load((ROOT / "instance.yaml").read_text(encoding="utf-8"))
    env = os.environ.get
    port = env("MUNICIPALITY_ZOPE_PORT", data["zope_port"])
    instance = Path(env("MUNICIPALITY_INSTANCE_DIR", data["instance_dir"]))
    instance = instance if instance.is_absolute() else ROOT / instance
    admin = (
        env("MUNICIPALITY_ADMIN_USER", data["admin_user"]),
        env("MUNICIPALITY_ADMIN_PASSWORD", str(data["admin_password"])),
    )
    return f"http://{data['zope_host']}:{port}/{data['site_id']}", instance, admin


def memory_kb(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    return 0


def session(auth):
    s = requests.Session()
    s.auth = auth
    s.headers.update({"Accept": "application/json"})
    return s


def ensure_setup(site, admin, clients):
    """The bench users and the Documents folder, created once."""
    s = session(admin)
    users = [f"bench-citizen-{i}" for i in range(clients)]
    for user in [*users, "bench-editor"]:
        if s.get(f"{site}/@users/{user}", timeout=30).status_code == 404:
            answer = s.post(
                f"{site}/@users",
                json={
                    "username": user,
                    "email": f"{user}@example.gr",
                    "password": PASSWORD,
                    "fullname": f"Δοκιμαστικός {user}",
                },
                timeout=30,
            )
            answer.raise_for_status()
    # New members join the citizens group by themselves; the editor may also
    # add Documents in its folder.
    if s.get(f"{site}/bench-documents", timeout=30).status_code == 404:
        s.post(
            site,
            json={"@type": "Folder", "id": "bench-documents", "title": "Bench"},
            timeout=30,
        ).raise_for_status()
    s.post(
        f"{site}/bench-documents/@sharing",
        json={
            "entries": [
                {
                    "id": "bench-editor",
                    "type": "user",
                    "roles": {"Contributor": True, "Editor": True},
                }
            ]
        },
        timeout=30,
    ).raise_for_status()
    return users


def run_load(name, clients, seconds, make_call):
    """``clients`` threads call ``make_call(i, n)`` until time is up."""
    latencies, errors, results = [], [], []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(i):
        n = 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                result = make_call(i, n)
            except Exception as e:
                with lock:
                    errors.append(f"{type(e).__name__}: {e}"[:300])
                continue
            finally:
                n += 1
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                results.append(result)

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    wall = time.monotonic() - started
    latencies.sort()
    return {
        "name": name,
        "count": len(latencies),
        "throughput": len(latencies) / wall,
        "p50": statistics.median(latencies) * 1000 if latencies else 0,
        "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000 if latencies else 0,
        "max": latencies[-1] * 1000 if latencies else 0,
        "errors": errors,
        "results": results,
    }


def check(response, expected=201):
    if response.status_code != expected:
        raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
    return response.json()


def gaps(numbers, before_last):
    """Gaps and duplicates among the numbers handed out in this run."""
    parsed = sorted(int(NUMBER_RE.match(n)["number"]) for n in numbers)
    if not parsed:
        return 0, 0
    duplicates = len(parsed) - len(set(parsed))
    expected = set(range(before_last + 1, parsed[-1] + 1))
    return len(expected - set(parsed)), duplicates


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    site, instance, admin = config()
    pid = int((instance / "var/zope.pid").read_text())
    users = ensure_setup(site, admin, args.clients)
    citizens = [session((user, PASSWORD)) for user in users]
    editors = [session(("bench-editor", PASSWORD)) for _ in range(args.clients)]
    marker = base64.b32encode(os.urandom(5)).decode().lower()

    def create_document(i, n):
        return check(
            editors[i].post(
                f"{site}/bench-documents",
                json={
                    "@type": "Document",
                    "title": f"Έγγραφο {marker} {i}-{n}",
                    "description": "Δοκιμή φόρτου",
                    "text": {
                        "content-type": "text/html",
                        "data": "<p>Κείμενο εγγράφου για τη μέτρηση.</p>",
                    },
                },
                timeout=60,
            )
        )["@id"]

    def submit_request(i, n):
        data = check(
            citizens[i].post(
                f"{site}/requests",
                json={
                    "@type": "CitizenRequest",
                    "kind": ("request", "complaint", "proposal")[n % 3],
                    "category": "lighting",
                    "title": f"Σβηστός φανοστάτης {marker} {i}-{n}",
                    "text": "Ο φανοστάτης στη γωνία δεν ανάβει εδώ και μία εβδομάδα.",
                    "desired_action": "Αντικατάσταση λαμπτήρα.",
                },
                timeout=60,
            )
        )
        return data["reference_number"]

    # Warm both paths up, and learn the last number spent before the run.
    create_document(0, -1)
    first = submit_request(0, -1)
    before_last = int(NUMBER_RE.match(first)["number"])

    baseline = run_load(
        "baseline: Documents", args.clients, args.seconds, create_document
    )
    measured = run_load("citizen requests", args.clients, args.seconds, submit_request)
    missing, duplicates = gaps(measured["results"], before_last)

    print(f"{args.clients} clients, {args.seconds:.0f} s each, against {site}")
    print(
        f"{'load':24} {'done':>6} {'req/s':>7} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>7}"
    )
    for r in (baseline, measured):
        print(
            f"{r['name']:24} {r['count']:6d} {r['throughput']:7.2f} "
            f"{r['p50']:8.0f} {r['p95']:8.0f} {r['max']:8.0f} {len(r['errors']):7d}"
        )
    ratio = (
        measured["throughput"] / baseline["throughput"] if baseline["throughput"] else 0
    )
    print(f"throughput ratio (requests / baseline): {ratio:.2f}  (target ≥ 0.70)")
    print(
        f"reference numbers: {len(measured['results'])} handed out, "
        f"{missing} gaps, {duplicates} duplicates"
    )
    print(
        f"Zope resident memory: {memory_kb(pid, 'VmRSS') / 1024:.0f} MB, "
        f"peak {memory_kb(pid, 'VmHWM') / 1024:.0f} MB"
    )
    for r in (baseline, measured):
        for error in sorted(set(r["errors"]))[:5]:
            print(f"  error ({r['name']}): {error}")
    ok = ratio >= 0.7 and not missing and not duplicates
    ok = ok and not baseline["errors"] and not measured["errors"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
