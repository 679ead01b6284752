"""Writing side-piece outputs safely: overwrite policy and a provenance sidecar.

Used by the ``published`` and ``meta`` subcommands. (Kept small; when
``bayes_keta.provenance`` exists its record can replace :func:`provenance_record`.)
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bayes_keta.exceptions import OutputError
from bayes_keta.provenance import package_versions

__all__ = ["prepare_outputs", "provenance_record", "sha256_bytes", "write_json"]


def sha256_bytes(data: bytes | str) -> str:
    """Hex SHA-256 of bytes (strings are UTF-8 encoded).

    Examples
    --------
    >>> sha256_bytes("")[:8]
    'e3b0c442'
    """
    if isinstance(data, str):
        data = data.encode()
    return hashlib.sha256(data).hexdigest()


def prepare_outputs(
    out_dir: str | Path, names: Iterable[str], *, force: bool, create: bool = True
) -> list[Path]:
    """Return the output paths, refusing to overwrite without ``force``; create ``out_dir``.

    Call once with ``create=False`` before any computation (fail early, leave no empty
    directory behind), then with ``create=True`` just before writing.

    Raises
    ------
    OutputError
        If any output exists and ``force`` is False, or the directory cannot be created.
    """
    out = Path(out_dir)
    paths = [out / n for n in names]
    existing = [str(p) for p in paths if p.exists()]
    if existing and not force:
        raise OutputError(
            f"refusing to overwrite existing file(s): {', '.join(existing)} (use --force)"
        )
    if out.exists() and not out.is_dir():
        raise OutputError(f"output path {out} exists and is not a directory")
    if not create:
        return paths
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot create output directory {out}: {err}") from None
    return paths


def provenance_record(
    *, kind: str, inputs: Mapping[str, bytes | str], settings: Mapping[str, Any]
) -> dict[str, Any]:
    """Provenance dict: versions, input hashes, settings, command line, UTC creation time.

    Parameters
    ----------
    kind : str
        What was produced (e.g. ``"published_reanalysis"``).
    inputs : Mapping
        Input name -> its bytes (hashed with SHA-256, never stored).
    settings : Mapping
        JSON-serialisable settings (priors, thresholds, seed, sampler...).

    Examples
    --------
    >>> rec = provenance_record(kind="x", inputs={"a": "1"}, settings={})
    >>> sorted(rec)[:3]
    ['command', 'created', 'inputs_hash']
    """
    hashes = {k: sha256_bytes(v) for k, v in inputs.items()}
    combined = sha256_bytes("".join(f"{k}:{v};" for k, v in sorted(hashes.items())))
    return {
        "kind": kind,
        "versions": package_versions(),
        "inputs_sha256": hashes,
        "inputs_hash": combined,
        "settings": dict(settings),
        "command": " ".join(sys.argv),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def write_json(path: str | Path, record: Mapping[str, Any]) -> None:
    """Write a JSON document (sorted keys, 2-space indent)."""
    try:
        Path(path).write_text(json.dumps(record, indent=2, sort_keys=True, default=str) + "\n")
    except OSError as err:
        raise OutputError(f"cannot write {path}: {err}") from None
