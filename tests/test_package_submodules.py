"""The submodules the README uses as ``bk.<module>.<name>`` resolve after ``import bayes_keta``.

Each check runs in a fresh interpreter: in the test process another test may already have
imported the submodule, which sets it as an attribute of the package and would hide a missing
entry in the package's lazy table.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.mark.parametrize(
    ("module", "name"),
    [("export", "table_provenance"), ("export", "read_export"), ("plots", "headline_contrasts")],
)
def test_submodule_name_resolves_after_plain_import(module: str, name: str):
    code = (
        "import bayes_keta as bk\n"
        f"obj = bk.{module}.{name}\n"
        f"import bayes_keta.{module} as sub\n"
        f"assert obj is sub.{name}, obj\n"
        "print(obj.__module__)\n"
    )
    done = _run(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith(f"bayes_keta.{module}")


def test_export_is_public_and_lazy():
    code = (
        "import sys\n"
        "import bayes_keta as bk\n"
        "assert 'export' in bk.__all__ and 'export' in dir(bk)\n"
        "assert 'bayes_keta.export' not in sys.modules, 'imported eagerly'\n"
        "bk.export\n"
        "assert 'bayes_keta.export' in sys.modules\n"
    )
    done = _run(code)
    assert done.returncode == 0, done.stderr
