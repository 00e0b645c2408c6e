"""Run the sitegen CLI and SIGKILL it just before its K-th change to the file system.

    python kill_at.py K EVENT -- import PROFILE --site SITE ...

An audit hook (PEP 578) sees every open-for-writing, rename, replace, remove,
mkdir and rmtree the process starts, and the native renameat2 call the build
swaps folders with. K=0 kills nothing and prints how many such events a whole
run had, so a test can pick kill points across the write phase and replay
them exactly: the deterministic twin of killing at a random moment.
EVENT limits the count to one event name (e.g. os.replace), or "all".
"""

from __future__ import annotations

import os
import signal
import sys

EVENTS = {
    "os.rename", "os.replace", "os.remove", "os.rmdir", "os.mkdir", "shutil.rmtree",
    "os.link", "os.symlink", "os.truncate", "os.chmod", "ctypes.call_function",
}  # fmt: skip
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def main() -> int:
    k, only = int(sys.argv[1]), sys.argv[2]
    args = sys.argv[sys.argv.index("--") + 1 :]
    count = 0

    def hook(event: str, a: tuple) -> None:
        nonlocal count
        if event == "open":
            _, mode, flags = a
            if not (
                (isinstance(mode, str) and any(c in mode for c in "wax+"))
                or (mode is None and isinstance(flags, int) and flags & WRITE_FLAGS)
            ):
                return
        elif event not in EVENTS:
            return
        if only != "all" and event != only:
            return
        count += 1
        if count == k:
            os.kill(os.getpid(), signal.SIGKILL)

    sys.addaudithook(hook)
    from sitegen.cli import main as cli

    try:
        rc = cli(args)
    finally:
        print(f"kill_at: {count} events", file=sys.stderr, flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
