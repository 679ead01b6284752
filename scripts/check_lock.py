"""Check (and optionally write) requirements/lock.txt: every line must be ``name==version``.

A lock line naming a local wheel, a path or a URL (``h5py @ file:///tmp/...whl``) installs on
one machine only. ``make lock`` pipes ``pip list --format=freeze`` through this script, which
refuses to write such a lock; ``tests/test_lock.py`` checks the committed file with it.

Usage::

    python scripts/check_lock.py requirements/lock.txt          # check a lock file
    pip list --format=freeze | python scripts/check_lock.py --write requirements/lock.txt
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path

#: ``name==version`` of a registry package, nothing else (no ``@``, paths, URLs, markers).
LOCK_LINE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9][A-Za-z0-9.+!_-]*$")
#: Installer tooling that a lock must not pin (the venv brings its own).
SKIP = {"pip"}


def bad_lines(lines: Iterable[str]) -> list[tuple[int, str]]:
    """Return ``(line number, text)`` of every line that is not ``name==version``.

    Examples
    --------
    >>> bad_lines(["numpy==2.5.5", "h5py @ file:///tmp/h5py.whl", "", "# comment"])
    [(2, 'h5py @ file:///tmp/h5py.whl')]
    """
    out = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not LOCK_LINE.match(line):
            out.append((number, line))
    return out


def main(argv: list[str]) -> int:
    """Check ``argv[-1]``; with ``--write``, write stdin to it first (only if it is clean)."""
    if not argv or argv[-1].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    path = Path(argv[-1])
    if "--write" in argv:
        lines = [
            line.strip()
            for line in sys.stdin
            if line.strip() and line.split("==")[0].strip().lower() not in SKIP
        ]
        bad = bad_lines(lines)
        if bad:
            for number, line in bad:
                print(
                    f"lock: refusing line {number}: {line!r} (not name==version)", file=sys.stderr
                )
            return 1
        lines.sort(key=str.lower)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {path} ({len(lines)} packages)")
        return 0
    bad = bad_lines(path.read_text(encoding="utf-8").splitlines())
    for number, line in bad:
        print(f"{path}:{number}: not name==version: {line!r}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
