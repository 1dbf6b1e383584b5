"""No module under tests/ imports a test module or a conftest: what tests share lives in
``tests/helpers/``.

Importing a test module ties its body to the importer's and copies its fixtures into it (the
F811 findings of redefined fixtures); importing a conftest goes around pytest's own loading of
it. Every import counts, relative or absolute, at any level (inside functions too).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent  # the repository: ``tests`` is a package in it


def is_test_file(path: Path) -> bool:
    return path.name == "conftest.py" or (path.name.startswith("test_") and path.suffix == ".py")


def module_file(root: Path, name: str) -> Path | None:
    """The file of module ``name`` (``tests.server.conftest``) under ``root``, if there is one."""
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_names(tree: ast.Module, package: str) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) for every import in ``tree``, whose module is in
    ``package``; for ``from x import y`` both ``x`` and ``x.y`` (``y`` may be a module)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def imports_of_test_modules(root: Path) -> list[str]:
    """``path:line imports module`` for each import, in any module under ``root/tests`` (test
    modules, conftests, helpers, benchmarks), of a test module or conftest there."""
    found = []
    for path in sorted((root / "tests").rglob("*.py")):
        rel = path.relative_to(root)
        package = ".".join(rel.parent.parts)
        tree = ast.parse(path.read_text(), filename=str(path))
        for line, name in imported_names(tree, package):
            if name.split(".")[0] != "tests":
                continue
            target = module_file(root, name)
            if target is not None and target != path and is_test_file(target):
                found.append(f"{rel}:{line} imports {name}")
    return sorted(set(found))


def test_no_test_module_imports_another() -> None:
    assert imports_of_test_modules(ROOT) == [], "move what they share into tests/helpers/"


# (source of tests/pkg/test_user.py, the import it must report as "line module", or None)
SPELLINGS = [
    ("from .test_api import X", "1 tests.pkg.test_api"),
    ("from ..conftest import Y", "1 tests.conftest"),
    ("from . import test_api", "1 tests.pkg.test_api"),
    ("import tests.pkg.conftest", "1 tests.pkg.conftest"),
    ("from tests.pkg import conftest", "1 tests.pkg.conftest"),
    ("def f():\n    from tests.pkg.test_api import X", "2 tests.pkg.test_api"),
    ("from tests.helpers.shared import X", None),
    ("from tests.helpers.shared import test_like_name", None),
]


@pytest.mark.parametrize(("source", "found"), SPELLINGS)
def test_the_check_finds_each_spelling(tmp_path: Path, source: str, found: str | None) -> None:
    tests = tmp_path / "tests"
    for folder in (tests / "pkg", tests / "helpers"):
        folder.mkdir(parents=True)
        (folder / "__init__.py").write_text("")
    for name in ("__init__.py", "conftest.py", "pkg/conftest.py"):
        (tests / name).write_text("")
    (tests / "pkg" / "test_api.py").write_text("X = 1\n")
    (tests / "helpers" / "shared.py").write_text("X = 1\n\n\ndef test_like_name():\n    pass\n")
    (tests / "pkg" / "test_user.py").write_text(source + "\n")
    if found is None:
        assert imports_of_test_modules(tmp_path) == []
    else:
        line, module = found.split()
        assert imports_of_test_modules(tmp_path) == [
            f"tests/pkg/test_user.py:{line} imports {module}"
        ]
