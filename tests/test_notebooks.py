"""The researcher notebooks (``notebooks/``): stored clean, in sync, public API only, and run.

Each notebook is a jupytext percent script ``NN_name.py`` paired with ``NN_name.ipynb`` (stored
without outputs). The slow tests execute every ``.ipynb`` with nbclient in a ``python3`` kernel
started from this interpreter (the project's ``.venv``), with ``BAYES_KETA_FAST=1`` (tiny
draws) and a per-cell timeout so a stuck kernel cannot hang the suite.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import bayes_keta as bk

nbformat = pytest.importorskip("nbformat")
jupytext = pytest.importorskip("jupytext")

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
SOURCES = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.py"))
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
EXPECTED = [
    "01_quickstart",
    "02_bring_your_own_data",
    "03_model_choice",
    "04_priors",
    "05_meta_analysts",
    "06_individual_response",
]

#: Seconds any single cell may run in fast mode before the test fails (the longest cell
#: compiles and samples two models: well under a minute on 2 idle cores).
CELL_TIMEOUT = 600

#: Names notebooks import from outside ``bayes_keta.__all__``, each a known public-API gap.
#: ``fit`` is not exported from the top-level package yet; remove it here once it is.
API_GAPS: set[tuple[str, str]] = set()  # names notebooks may import beyond __all__


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def test_the_notebook_set_is_complete_and_paired():
    assert _ids(SOURCES) == EXPECTED
    assert _ids(NOTEBOOKS) == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_stored_notebook_has_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} have outputs; clear them"
        f" (.venv/bin/jupyter nbconvert --clear-output --inplace {path})"
    )
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", SOURCES, ids=_ids(SOURCES))
def test_ipynb_matches_its_jupytext_source(path):
    source = jupytext.read(path)
    stored = nbformat.read(path.with_suffix(".ipynb"), as_version=4)
    want = [(c.cell_type, c.source) for c in source.cells]
    got = [(c.cell_type, c.source) for c in stored.cells]
    assert got == want, (
        f"{path.with_suffix('.ipynb').name} is out of sync with {path.name}; run"
        f" .venv/bin/jupytext --sync {path}"
    )


@pytest.mark.parametrize("path", SOURCES, ids=_ids(SOURCES))
def test_notebook_uses_only_the_public_api(path):
    """Notebooks may use only ``bayes_keta.__all__`` (plus the listed gaps)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    public = set(bk.__all__)
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bayes_keta"):
            for alias in node.names:
                if node.module == "bayes_keta" and alias.name in public:
                    continue
                if (node.module, alias.name) not in API_GAPS:
                    problems.append(f"line {node.lineno}: from {node.module} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("bayes_keta") and alias.name != "bayes_keta":
                    problems.append(f"line {node.lineno}: import {alias.name}")
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "bk"
            and node.attr not in public
        ):
            problems.append(f"line {node.lineno}: bk.{node.attr} is not in bayes_keta.__all__")
    assert not problems, f"{path.name} uses non-public names: " + "; ".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_executes_in_fast_mode(path, monkeypatch):
    from nbclient import NotebookClient

    # The kernel inherits this environment: fast draws, and the notebook's own (inline)
    # matplotlib backend rather than a suite-wide MPLBACKEND, so figures really render.
    monkeypatch.setenv("BAYES_KETA_FAST", "1")
    monkeypatch.delenv("MPLBACKEND", raising=False)
    nb = nbformat.read(path, as_version=4)
    probe = nbformat.v4.new_code_cell("import sys; print(sys.prefix)")
    nb.cells.insert(0, probe)
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        startup_timeout=120,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    client.execute()  # raises CellExecutionError (with the traceback) on any error
    kernel_prefix = "".join(o.get("text", "") for o in nb.cells[0].outputs).strip()
    assert kernel_prefix == sys.prefix, (
        f"the kernel ran in {kernel_prefix}, not in this environment {sys.prefix}"
    )
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors
    images = sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    if path.stem != "02_bring_your_own_data":  # the only notebook without a figure
        assert images > 0, f"{path.name} rendered no figure"
