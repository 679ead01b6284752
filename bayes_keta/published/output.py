"""Side-piece outputs: checks before computing and a provenance sidecar.

Used by the ``published`` and ``meta`` subcommands, which write their files inside
:func:`bayes_keta.outputs.staged_folder`. (Kept small; when ``bayes_keta.provenance`` exists
its record can replace :func:`provenance_record`.)
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bayes_keta.outputs import atomic_write, check_writable, refuse_existing
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


def prepare_outputs(out_dir: str | Path, names: Iterable[str], *, force: bool) -> list[Path]:
    """Return the output paths; refuse existing ones (without ``force``) and unwritable folders.

    Call it before any computation (nothing is created); write the files later inside
    :func:`bayes_keta.outputs.staged_folder`.

    Raises
    ------
    OutputError
        If any output exists and ``force`` is False, or the folder cannot be written
        (:func:`bayes_keta.outputs.check_writable`).

    Examples
    --------
    >>> import tempfile
    >>> [p.name for p in prepare_outputs(tempfile.mkdtemp(), ["a.csv"], force=False)]
    ['a.csv']
    """
    out = Path(out_dir)
    paths = refuse_existing([out / n for n in names], force=force)
    check_writable(out)
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
    """Write a JSON document (sorted keys, 2-space indent), atomically."""
    text = json.dumps(record, indent=2, sort_keys=True, default=str) + "\n"
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
