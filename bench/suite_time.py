"""Where the test suite's time goes, per test file: wall time and CPU time.

    python3 -m pytest -p storyreel.bench.suite_time -p no:randomly [--suite-time-out FILE.tsv]

prints the 20 slowest files (wall and CPU seconds) after the run and, with
--suite-time-out, writes one line per test as it finishes (node id, wall s,
CPU s), so a run that is stopped half-way still says where its time went.

CPU time is this process's (its threads: x264, onnxruntime) plus that of the
child processes it has waited for (CLI subprocesses, workers). On the shared
2-core machine, with other people's work running, wall times are several times
an idle machine's; CPU time is the figure that compares across loads
(bench/RESULTS.md "Test suite time").
"""
from __future__ import annotations

import resource
import time
from collections import defaultdict


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def pytest_addoption(parser):
    parser.addoption("--suite-time-out", default=None, metavar="FILE.tsv",
                     help="write each test's wall and CPU seconds to FILE.tsv as it finishes")


def pytest_configure(config):
    config.pluginmanager.register(SuiteTime(config.getoption("--suite-time-out")), "suite-time")


class SuiteTime:
    def __init__(self, out: str | None):
        self.out = out
        self.started: dict[str, tuple[float, float]] = {}
        self.files: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])  # file -> [wall, CPU]

    def pytest_runtest_logstart(self, nodeid, location):
        self.started[nodeid] = (time.perf_counter(), _cpu_seconds())

    def pytest_runtest_logfinish(self, nodeid, location):
        wall0, cpu0 = self.started.pop(nodeid)
        wall, cpu = time.perf_counter() - wall0, _cpu_seconds() - cpu0
        totals = self.files[nodeid.split("::")[0]]
        totals[0] += wall
        totals[1] += cpu
        if self.out:
            with open(self.out, "a", encoding="utf-8") as out:
                out.write(f"{nodeid}\t{wall:.3f}\t{cpu:.3f}\n")

    def pytest_terminal_summary(self, terminalreporter):
        if not self.files:
            return
        tr = terminalreporter
        tr.section("suite time per file (20 slowest by wall time)")
        tr.write_line(f"{'wall s':>8} {'CPU s':>8}  file")
        for name, (wall, cpu) in sorted(self.files.items(), key=lambda kv: -kv[1][0])[:20]:
            tr.write_line(f"{wall:8.1f} {cpu:8.1f}  {name}")
        tr.write_line(f"{sum(w for w, _ in self.files.values()):8.1f} "
                      f"{sum(c for _, c in self.files.values()):8.1f}  all {len(self.files)} files")
