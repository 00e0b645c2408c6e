"""Figures the hostile suite measures (case counts, times, peak memory).

Tests never assert speed; they record what they saw here, and the suite's
conftest prints it after the run, so a reviewer gets the numbers with the result.
"""

from __future__ import annotations

import time
from collections import Counter

CASES: Counter[str] = Counter()  # test name -> how many generated cases ran
SUBSETS: Counter[str] = Counter()  # "test name: kind" -> how many of its cases were of a kind
NOTES: list[str] = []  # free-form figures, in the order they were measured
_STARTED: dict[str, float] = {}
SECONDS: dict[str, float] = {}


def case(name: str) -> None:
    """Count one generated case of test `name` and time the whole run of it."""
    now = time.perf_counter()
    _STARTED.setdefault(name, now)
    CASES[name] += 1
    SECONDS[name] = now - _STARTED[name]


def subset(name: str) -> None:
    """Count one case of a kind within a test's cases (not added to the total)."""
    SUBSETS[name] += 1


def note(text: str) -> None:
    NOTES.append(text)


def summary() -> list[str]:
    lines = []
    if CASES:
        total = sum(CASES.values())
        for name, n in CASES.items():
            lines.append(f"{name}: {n} cases in {SECONDS.get(name, 0.0):.1f} s")
            lines += [
                f"  {k.split(': ', 1)[1]}: {v}"
                for k, v in SUBSETS.items()
                if k.startswith(name + ": ")
            ]
        lines.append(f"generated cases in total: {total}")
    return lines + NOTES
