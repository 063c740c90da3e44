"""Benchmark plumbing: a session-wide store of the measured figures, and a
summary printed at the end of the run (whether or not pytest captures output)."""
from __future__ import annotations

import pytest

_RESULTS = pytest.StashKey[dict]()


def _store(config: pytest.Config) -> dict:
    if _RESULTS not in config.stash:
        config.stash[_RESULTS] = {}
    return config.stash[_RESULTS]


@pytest.fixture(scope="session")
def bench_results(pytestconfig) -> dict:
    """{size label: {"end_to_end": {...}, "encode_only": {...}, "encoder_limit": {...},
    "ratio": end-to-end / encode-only, "ratio_to_limit": end-to-end / encoder limit}}."""
    return _store(pytestconfig)


def _fps(value: float | None) -> str:
    return f"{value:.1f} fps" if value is not None else "-"


def _ratio(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "-"


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    results = config.stash.get(_RESULTS, None)
    if not results:
        return
    tr = terminalreporter
    tr.section("storyreel render throughput (best round)")
    tr.write_line(f"{'size':<7} {'frames':>6} {'end-to-end':>12} {'encode-only':>12} {'ratio':>7} "
                  f"{'encoder limit':>14} {'ratio':>7}")
    for label, row in results.items():
        e2e = row.get("end_to_end", {}).get("fps")
        enc = row.get("encode_only", {}).get("fps")
        limit = row.get("encoder_limit", {}).get("fps")
        frames = (row.get("end_to_end") or row.get("encode_only") or row.get("encoder_limit") or {}).get("frames", "?")
        tr.write_line(f"{label:<7} {frames:>6} {_fps(e2e):>12} {_fps(enc):>12} {_ratio(row.get('ratio')):>7} "
                      f"{_fps(limit):>14} {_ratio(row.get('ratio_to_limit')):>7}")
    differ = [label for label, row in results.items() if row.get("identical_output") is False]
    if differ:
        tr.write_line(f"warning: end-to-end and encode-only outputs differ for {', '.join(differ)}: "
                      "the two did not encode the same pictures", yellow=True)
    busy = [(label, kind, s) for label, row in results.items() for kind in ("end_to_end", "encode_only", "encoder_limit")
            for s in row.get(kind, {}).get("other_cpu_s", []) if s > 0.5]
    if busy:
        worst = max(s for _, _, s in busy)
        tr.write_line(f"warning: other processes used up to {worst:.1f} CPU-seconds during a round "
                      f"({len(busy)} rounds): the machine was not idle; re-run when it is", yellow=True)
