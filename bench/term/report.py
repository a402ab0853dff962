"""The term's report: faults, jobs by kind, page latency around faults, memory over time."""

from __future__ import annotations

import statistics
from collections import Counter

from bench.common import print_table, seconds
from bench.term.load import Ledger
from bench.term.samples import Sampler

AFTER = 30.0  # seconds after a fault that count as "after a fault"


def percentile(values: list[float], q: int) -> float | None:
    if len(values) < 2:
        return values[0] if values else None
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def latency(ledger: Ledger, faults: list[tuple[float, str, str]]) -> dict:
    """Page-job latency between faults and within AFTER seconds after one."""
    times = [f[0] for f in faults]
    after = [s for t, s in ledger.page_latency if any(0 <= t - f <= AFTER for f in times)]
    between = [s for t, s in ledger.page_latency if not any(0 <= t - f <= AFTER for f in times)]
    return {
        name: {"count": len(v), "p50": percentile(v, 50), "p95": percentile(v, 95)}
        for name, v in (("between faults", between), ("within 30 s after a fault", after))
    }


def jobs_by_kind(ledger: Ledger, found: dict) -> list[list]:
    bad = {kind: Counter(k for _, k, _ in rows) for kind, rows in found.items()}
    rows = []
    for kind in sorted({e.kind for e in ledger.jobs.values()} | {k for k, _ in ledger.refused}):
        entries = [e for e in ledger.jobs.values() if e.kind == kind]
        status = Counter((e.final or {}).get("status", "-") for e in entries)
        refused = sum(n for (k, _), n in ledger.refused.items() if k == kind)
        rows.append(
            [
                kind,
                len(entries),
                status["succeeded"],
                status["cancelled"],
                status["failed"],
                refused,
                bad["lost"][kind],
                bad["duplicated"][kind],
                bad["wrong"][kind],
            ]
        )
    return rows


MARKS = {"start": 0.0, "2 min": 120.0, "10 min": 600.0}  # and the end; 2 min: warmed up


def memory(sampler: Sampler, end: float) -> list[list]:
    """Per process (and Redis' own count): memory and files at the marks, and the growth of
    memory from 2 minutes to the end."""
    rows = []
    for role in sorted({r["role"] for r in sampler.rows}):
        cells, warm, last = [], None, None
        for name, t in [*MARKS.items(), ("end", end)]:
            row = sampler.at(role, t) if t <= end else None
            if row is None:
                cells.append("-")
                continue
            size = row["used"] if role == "redis-info" else row["rss"]
            warm, last = (size if name == "2 min" else warm), size
            if role == "redis-info":
                cells.append(f"{size / 2**20:.1f} MiB, {row['clients']} conn")
            else:
                cells.append(f"{size / 2**20:.0f} MiB, {row['fds']} fds")
        growth = f"{(last / warm - 1) * 100:+.0f} %" if warm and last else "-"
        rows.append([role, *cells, growth])
    return rows


def show(ledger: Ledger, faults: list, found: dict, sampler: Sampler, end: float) -> dict:
    kinds = Counter(kind for _, kind, _ in faults)
    print("\nfaults:", ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) or "none")
    header = ["kind", "accepted", "succeeded", "cancelled", "failed", "refused", "lost"]
    print_table([*header, "duplicated", "wrong"], jobs_by_kind(ledger, found))
    refusals = ", ".join(f"{k} {r}: {n}" for (k, r), n in sorted(ledger.refused.items()))
    print(f"submits not accepted (kind reason: count): {refusals or 'none'}")
    print(f"practice answers: {dict(ledger.answers)}; event streams: {dict(ledger.streams)}")
    lat = latency(ledger, faults)
    print_table(
        ["page jobs", "count", "p50", "p95"],
        [[name, v["count"], seconds(v["p50"]), seconds(v["p95"])] for name, v in lat.items()],
    )
    marks = ["process (memory, files)", *MARKS, "end", "2 min to end"]
    print_table(marks, memory(sampler, end))
    if sampler.settled is not None:
        print(f"Redis' used memory {sampler.settled / 2**20:.1f} MiB once the records expired")
    for kind, rows in found.items():
        for job_id, job_kind, what in rows:
            print(f"{kind.upper()}: {job_id} ({job_kind}): {what}")
    return {
        "faults": dict(kinds),
        "fault_log": faults,
        "jobs": jobs_by_kind(ledger, found),
        "refused": {f"{k} {r}": n for (k, r), n in ledger.refused.items()},
        "latency": lat,
        "memory": memory(sampler, end),
        "redis_settled": sampler.settled,
        **{kind: rows for kind, rows in found.items()},
        "samples": sampler.rows,
    }
