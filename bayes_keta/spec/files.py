"""Where specs and prior sets live, and how a name or path finds its TOML file."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from bayes_keta.exceptions import SpecError

__all__ = [
    "MODELS_ENV",
    "available_models",
    "available_prior_sets",
    "find_toml",
    "models_dir",
    "read_toml",
]

#: Environment variable naming another folder of specs (with ``priors/`` and ``grids/``).
MODELS_ENV = "BAYES_KETA_MODELS"


def models_dir() -> Path:
    """Directory of the shipped specs: ``$BAYES_KETA_MODELS`` or the repository's ``models/``."""
    env = os.environ.get(MODELS_ENV)
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[2] / "models"
    if repo.is_dir():
        return repo
    # an installed wheel carries a copy of models/ (pyproject: force-include)
    return Path(__file__).resolve().parents[1] / "_models"


def available_models() -> tuple[str, ...]:
    """Names of the specs in :func:`models_dir`."""
    return tuple(sorted(p.stem for p in models_dir().glob("*.toml")))


def available_prior_sets() -> tuple[str, ...]:
    """Names of the prior sets in ``models_dir()/priors``."""
    return tuple(sorted(p.stem for p in (models_dir() / "priors").glob("*.toml")))


def find_toml(name: str | Path, folder: Path, tail: tuple[str, ...]) -> Path | None:
    """Return the TOML file ``name`` stands for, or None.

    An existing file as given (absolute, or relative to the working directory) wins;
    otherwise a bare name, with or without ``.toml`` (``neutral``, ``neutral.toml``), or a
    relative path into the shipped folder (``models/priors/neutral.toml``, named by its
    last parts ``tail``) is looked up in ``folder``.
    """
    path = Path(name).expanduser()
    if path.is_file():
        return path
    stem = path.name.removesuffix(".toml")
    bare = path.parent == Path(".")
    shipped_dir = not path.is_absolute() and path.parent.parts[-len(tail) :] == tail
    if stem and (bare or shipped_dir) and (folder / f"{stem}.toml").is_file():
        return folder / f"{stem}.toml"
    return None


def read_toml(path: Path, what: str) -> tuple[dict[str, Any], str]:
    """Return a TOML file's content and text (:class:`SpecError` naming ``what`` if bad)."""
    try:
        text = path.read_text()
    except OSError as err:
        raise SpecError(f"cannot read {what} {path}: {err.strerror}") from err
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"{what} {path} is not valid TOML: {err}") from err
