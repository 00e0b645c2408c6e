"""Hooks for the hostile suite: print the figures it measured after the run."""

from __future__ import annotations

from . import figures


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    lines = figures.summary()
    if lines:
        terminalreporter.section("hostile input: figures")
        for line in lines:
            terminalreporter.write_line(line)
