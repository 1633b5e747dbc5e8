"""Alert normalisation throughput: batched Alertmanager v4 payloads of 50 alerts, prints alerts/s.

Run: .venv/bin/python bench/alert_normalize.py [--seconds 5] [--batch 50]
Pure normalisation only (JSON decoding + validation + NormalizedAlerts; no database): the ceiling
for one intake worker. Half the payloads carry fingerprints, half make us derive them; "new alerts"
defeats the per-process caches, "repeats" is Alertmanager re-notifying the same alerts.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from offload.alerts.normalize import normalize


def payload(batch: int, offset: int, *, with_fingerprints: bool) -> bytes:
    """An Alertmanager v4 notification with `batch` distinct alerts, as a real one looks."""
    alerts = []
    for i in range(offset, offset + batch):
        alert = {
            "status": "firing",
            "labels": {
                "alertname": "NodeFilesystemAlmostFull",
                "instance": f"node{i}.dc1.example.net:9100",
                "job": "node",
                "device": "/dev/sda1",
                "mountpoint": "/",
                "severity": "warning",
            },
            "annotations": {
                "summary": f"Filesystem on node{i} is 92% full",
                "description": "Filesystem / on /dev/sda1 has less than 8% space left.",
                "runbook_url": "https://runbooks.example.net/node/filesystem",
            },
            "startsAt": "2026-11-25T10:00:00.123456789Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.example.net:9090/graph?g0.expr=node_filesystem_avail_bytes",
        }
        if with_fingerprints:
            alert["fingerprint"] = f"{i:016x}"
        alerts.append(alert)
    return json.dumps(
        {
            "version": "4",
            "groupKey": '{}:{alertname="NodeFilesystemAlmostFull"}',
            "truncatedAlerts": 0,
            "status": "firing",
            "receiver": "offload",
            "groupLabels": {"alertname": "NodeFilesystemAlmostFull"},
            "commonLabels": {"alertname": "NodeFilesystemAlmostFull", "job": "node", "severity": "warning"},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager.example.net:9093",
            "alerts": alerts,
        }
    ).encode()


def measure(bodies: list[bytes], seconds: float) -> tuple[int, float, list[float]]:
    """Normalise the bodies round-robin for `seconds`: (alerts, elapsed, per-payload durations)."""
    durations: list[float] = []
    alerts = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for body in bodies:
            t0 = time.perf_counter()
            alerts += len(normalize("alertmanager", body=body).alerts)
            durations.append(time.perf_counter() - t0)
    return alerts, time.perf_counter() - started, sorted(durations)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to run each case")
    parser.add_argument("--batch", type=int, default=50, help="alerts per payload")
    args = parser.parse_args()
    cases = {
        # 20,000 distinct alerts: more than the host/time/fingerprint caches hold, so every one is new.
        "new alerts": [payload(args.batch, n * args.batch, with_fingerprints=n % 2 == 0) for n in range(400)],
        # The same 1,000 alerts notified again and again (Alertmanager's group_interval resends).
        "repeats": [payload(args.batch, n * args.batch, with_fingerprints=n % 2 == 0) for n in range(20)],
    }
    for name, bodies in cases.items():
        alerts, elapsed, durations = measure(bodies, args.seconds)
        p50, p99 = durations[len(durations) // 2], durations[int(len(durations) * 0.99)]
        print(
            f"{name}: {alerts / elapsed:.0f} alerts/s (one process), {len(durations)} payloads of "
            f"{args.batch}; per payload p50 {p50 * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms"
        )
    storm = payload(1000, 10**6, with_fingerprints=False)
    t0 = time.perf_counter()
    normalize("alertmanager", body=storm)
    elapsed_ms = (time.perf_counter() - t0) * 1000
    print(f"a 1,000-alert storm payload (new alerts, no fingerprints): {elapsed_ms:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
