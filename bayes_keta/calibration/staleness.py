"""When an SBC artefact is stale: a hash of each spec and of the code that builds its model.

:func:`sbc_hash` covers the spec's TOML and the model-building sources
(:data:`MODEL_SOURCES`); :func:`code_fingerprint` reduces each to what can change what a model
computes (no docstrings, no comments), so a documentation fix leaves the artefact fresh.
"""

from __future__ import annotations

import ast
import hashlib
import json
import tomllib
from pathlib import Path

from bayes_keta.spec import ModelSpec, load_spec

__all__ = ["MODEL_SOURCES", "code_fingerprint", "sbc_hash"]

_ROOT = Path(__file__).resolve().parents[2]
#: Source files whose content defines the model graphs and their simulation (hashed).
MODEL_SOURCES: tuple[str, ...] = (
    "bayes_keta/models/*.py",
    "bayes_keta/spec/*.py",
    "bayes_keta/calibration/prior.py",
)


def sbc_hash(
    spec: str | Path | ModelSpec, *, root: Path | None = None
) -> tuple[str, tuple[str, ...]]:
    """Hash of a spec's TOML and the model-building sources: stale SBC when either changes.

    What is hashed is the code, not its prose (:func:`code_fingerprint`): the TOML's parsed
    values and each source's syntax tree without docstrings and comments, so that a
    documentation fix leaves the artefact fresh and any change the model could see stales it.

    Parameters
    ----------
    spec : str, Path or ModelSpec
        The spec (its ``source`` file is hashed; a spec built from a dict hashes its JSON).
    root : Path, optional
        Repository root (default: the one this package lives in).

    Returns
    -------
    tuple
        ``(sha256 hex, files)``: the hash and the repository-relative files it covers.

    Examples
    --------
    >>> h, files = sbc_hash("daily")
    >>> len(h), files[0]
    (64, 'models/daily.toml')
    """
    root = root or _ROOT
    loaded = load_spec(spec)
    digest = hashlib.sha256()
    source = Path(loaded.source)
    files: list[str] = []
    if source.is_file():
        resolved = source.resolve()
        rel = resolved.relative_to(root) if resolved.is_relative_to(root) else Path(source.name)
        files.append(str(rel))
        digest.update(str(rel).encode() + b"\0" + code_fingerprint(source) + b"\0")
    else:
        files.append("<dict>")
        digest.update(loaded.sha256.encode())
    for pattern in MODEL_SOURCES:
        for path in sorted(root.glob(pattern)):
            rel = path.relative_to(root)
            files.append(str(rel))
            digest.update(str(rel).encode() + b"\0" + code_fingerprint(path) + b"\0")
    return digest.hexdigest(), tuple(files)


def code_fingerprint(path: Path) -> bytes:
    r"""Return the content of a model source that can change what a model computes.

    A ``.py`` file: its syntax tree (:func:`ast.dump`) with every docstring removed (comments
    never reach the tree). A ``.toml`` file: its parsed values as sorted JSON. Anything else:
    its bytes.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> a, b = folder / "a.py", folder / "b.py"
    >>> _ = a.write_text("def f(x):\n    '''Twice x.'''\n    return 2 * x  # double\n")
    >>> _ = b.write_text("def f(x):\n    return 2 * x\n")
    >>> code_fingerprint(a) == code_fingerprint(b)
    True
    >>> _ = b.write_text("def f(x):\n    return 3 * x\n")
    >>> code_fingerprint(a) == code_fingerprint(b)
    False
    """
    if path.suffix == ".toml":
        values = tomllib.loads(path.read_text(encoding="utf-8"))
        return json.dumps(values, sort_keys=True, default=str).encode()
    if path.suffix != ".py":
        return path.read_bytes()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            if isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree, include_attributes=False).encode()
