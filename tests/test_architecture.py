"""ARCHITECTURE.md held against the code: layer rules vs imports, module size, faces.

The layer table is parsed from ARCHITECTURE.md (between the ``layer-rules`` markers); every
import of every module under ``bayes_keta/`` (``ast``: module-level, function-level and
``TYPE_CHECKING`` imports alike) must go to its own layer or a layer its row names.

The allowlists below name what breaks a rule today and why; they are meant to shrink to
empty, and a test fails when an entry no longer breaks its rule (remove it then).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "bayes_keta"
MAX_LINES = 450

#: module path -> why it may exceed MAX_LINES for now (being split by another part of the
#: issue-18 redesign; remove the entry when the split lands).
LONG_MODULES: dict[str, str] = {}

#: __init__.py path -> why it is not a face yet.
NOT_FACES: dict[str, str] = {}

#: (importing module, imported module) -> why the layer rule is broken for now.
LAYER_EXCEPTIONS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Layer:
    name: str
    modules: tuple[str, ...]
    may_import: frozenset[str]


@cache
def layers() -> dict[str, Layer]:
    """The layer table of ARCHITECTURE.md."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- layer-rules:begin.*?-->\n(.*?)<!-- layer-rules:end -->", text, re.S)
    assert found, "ARCHITECTURE.md has no layer-rules table"
    table: dict[str, Layer] = {}
    for line in found.group(1).splitlines()[2:]:  # after the header and the |---| row
        name, modules, may = (cell.strip() for cell in line.strip().strip("|").split("|"))
        assert name not in table, f"layer {name} listed twice"
        others = frozenset() if may == "-" else frozenset(x.strip() for x in may.split(","))
        table[name] = Layer(name, tuple(re.findall(r"`([\w.]+)`", modules)), others)
    return table


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (packages by their ``__init__.py``)."""
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> str | None:
    """The layer whose longest listed name is ``module`` or a package above it."""
    best: tuple[int, str | None] = (-1, None)
    for layer in layers().values():
        for name in layer.modules:
            covers = module == name or (name != "bayes_keta" and module.startswith(name + "."))
            if covers and len(name) > best[0]:
                best = (len(name), layer.name)
    return best[1]


def imports_of(module: str) -> set[str]:
    """Modules of the package that ``module`` imports, anywhere in its file."""
    path = modules()[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                # `from pkg import sub` imports the submodule when there is one
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules() else base)
    return {name for name in found if name == "bayes_keta" or name.startswith("bayes_keta.")}


# ----------------------------------------------------------------------- the table itself
def test_table_names_known_layers_and_forms_a_dag():
    table = layers()
    assert {"base", "face"} <= set(table)
    for layer in table.values():
        unknown = layer.may_import - set(table)
        assert not unknown, f"layer {layer.name} may import unknown layers {sorted(unknown)}"
        assert layer.name not in layer.may_import, f"{layer.name}: itself is implicit"

    def reaches(start: str, seen: frozenset[str]) -> None:
        for other in table[start].may_import:
            assert other not in seen, f"layer cycle: {' -> '.join([*seen, other])}"
            reaches(other, seen | {other})

    for name in table:
        reaches(name, frozenset({name}))


def test_every_module_has_a_layer_and_every_listed_name_exists():
    unplaced = [m for m in modules() if layer_of(m) is None]
    assert not unplaced, f"modules with no layer in ARCHITECTURE.md: {unplaced}"
    listed = [name for layer in layers().values() for name in layer.modules]
    assert len(listed) == len(set(listed)), "a name is listed in two layers"
    missing = [name for name in listed if name not in modules()]
    assert not missing, f"ARCHITECTURE.md lists modules that do not exist: {missing}"


def test_layer_of_picks_the_longest_listed_name():
    assert layer_of("bayes_keta") == "face"
    assert layer_of("bayes_keta.cli.fit") == "cli"
    assert layer_of("bayes_keta.constants") == "base"
    assert layer_of("bayes_keta.not_listed_anywhere") is None


def test_imports_of_resolves_submodules_and_function_level_imports():
    # `from bayes_keta import checks` is the checks module, not the root face
    assert "bayes_keta.checks" in imports_of("bayes_keta.fitting.settings")
    assert "bayes_keta" not in imports_of("bayes_keta.fitting.settings")
    # function-level: cli/report.py imports the progress display inside its run function
    assert "bayes_keta.cli.progress" in imports_of("bayes_keta.cli.report")


# ------------------------------------------------------------------------ the code vs table
@pytest.mark.parametrize("module", sorted(modules()))
def test_imports_follow_the_layer_rules(module: str):
    table, own = layers(), layer_of(module)
    assert own is not None
    allowed = table[own].may_import | {own}
    broken = sorted(
        f"{module} ({own}) imports {target} ({layer_of(target)})"
        for target in imports_of(module)
        if layer_of(target) not in allowed and (module, target) not in LAYER_EXCEPTIONS
    )
    assert not broken, "\n".join(broken)


def test_layer_exceptions_still_break_the_rules():
    for (module, target), reason in LAYER_EXCEPTIONS.items():
        assert target in imports_of(module), f"stale LAYER_EXCEPTIONS entry ({reason})"
        own = layer_of(module)
        assert layer_of(target) not in layers()[own].may_import | {own}, "stale entry"


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_exceeds_the_line_limit():
    long = {
        str(path.relative_to(ROOT)): _lines(path)
        for path in modules().values()
        if _lines(path) > MAX_LINES
    }
    unexplained = {p: n for p, n in long.items() if p not in LONG_MODULES}
    assert not unexplained, f"modules over {MAX_LINES} lines: {unexplained}"
    stale = sorted(set(LONG_MODULES) - set(long))
    assert not stale, f"now within {MAX_LINES} lines (remove from LONG_MODULES): {stale}"


_FACE_NAMES = {"__all__", "__version__", "_LAZY"}


def _face_breaks(tree: ast.Module) -> list[str]:
    """Top-level statements of an ``__init__.py`` that a face may not have."""
    breaks = []
    for i, node in enumerate(tree.body):
        if i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if all(isinstance(t, ast.Name) and t.id in _FACE_NAMES for t in targets):
                continue
        if isinstance(node, ast.FunctionDef) and node.name in {"__getattr__", "__dir__"}:
            continue
        if (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Name)
            and node.test.id == "TYPE_CHECKING"
            and all(isinstance(n, ast.Import | ast.ImportFrom) for n in node.body)
            and not node.orelse
        ):
            continue
        breaks.append(f"line {node.lineno}: {ast.unparse(node).splitlines()[0][:70]}")
    return breaks


def test_face_check_refuses_logic():
    logic = ast.parse('"""Doc."""\nimport os\nX = 1\ndef f():\n    pass\n')
    assert _face_breaks(logic) == ["line 3: X = 1", "line 4: def f():"]
    face = ast.parse(
        '"""Doc."""\nfrom typing import TYPE_CHECKING\n__all__ = ["f"]\n_LAZY = {}\n'
        "if TYPE_CHECKING:\n    from os import path\ndef __getattr__(name):\n    pass\n"
    )
    assert _face_breaks(face) == []


@pytest.mark.parametrize(
    "init", sorted(str(p.relative_to(ROOT)) for p in PACKAGE.rglob("__init__.py"))
)
def test_every_init_is_a_face(init: str):
    breaks = _face_breaks(ast.parse((ROOT / init).read_text(encoding="utf-8")))
    if init in NOT_FACES:
        assert breaks, f"{init} is a face now: remove it from NOT_FACES"
        return
    assert not breaks, f"{init} is not a face:\n" + "\n".join(breaks)


# ------------------------------------------------------------------------- one seed constant
#: where seed values may be written as numbers (everything else reads bayes_keta.constants)
SEED_HOME = "bayes_keta/constants.py"


def _seed_literals(path: Path) -> list[str]:
    """Seed values written as numbers in ``path``: the shipped seeds anywhere, and any number
    as the default of a ``seed`` parameter, field or module constant named ``*SEED``."""
    from bayes_keta import constants

    seeds = {constants.DEFAULT_SEED, constants.META_SEED, constants.EMBEDDED_SEED}
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and type(node.value) is int and node.value in seeds:
            found.append(f"line {node.lineno}: {node.value}")
        pairs: list[tuple[str, ast.expr | None]] = []
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            positional = [*node.args.posonlyargs, *node.args.args]
            defaults = [None] * (len(positional) - len(node.args.defaults)) + node.args.defaults
            pairs += [(a.arg, d) for a, d in zip(positional, defaults, strict=True)]
            keyword = zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True)
            pairs += [(a.arg, d) for a, d in keyword]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            pairs.append((node.target.id, node.value))
        elif isinstance(node, ast.Assign):
            pairs += [(t.id, node.value) for t in node.targets if isinstance(t, ast.Name)]
        for name, value in pairs:
            is_seed = name == "seed" or name.upper().endswith("SEED")
            if is_seed and isinstance(value, ast.Constant) and type(value.value) is int:
                found.append(f"line {value.lineno}: {name} = {value.value}")
    return found


def test_seeds_are_set_in_constants_only():
    files = [
        p
        for folder in ("bayes_keta", "calibration", "benchmarks", "scripts")
        for p in sorted((ROOT / folder).rglob("*.py"))
        if str(p.relative_to(ROOT)) != SEED_HOME
    ]
    literal = {str(p.relative_to(ROOT)): _seed_literals(p) for p in files}
    assert {p: hits for p, hits in literal.items() if hits} == {}
    assert _seed_literals(ROOT / SEED_HOME)  # the check finds them where they are set
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    from bayes_keta.constants import DEFAULT_SEED

    assert str(DEFAULT_SEED) not in makefile
