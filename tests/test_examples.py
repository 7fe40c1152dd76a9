"""Every example is a real package that the suite tests: it has a README, its own pyproject.toml
and a tests/ folder whose tests pytest collects from the repository root."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(
    folder
    for folder in (ROOT / "examples").iterdir()
    if folder.is_dir() and not folder.name.startswith((".", "_"))
)


def test_there_are_examples() -> None:
    names = [folder.name for folder in EXAMPLES]
    assert "kiosk-channel" in names
    assert "feedback-webapp" in names


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda folder: folder.name)
def test_an_example_has_a_readme_a_package_and_tests(example: Path) -> None:
    readme = example / "README.md"
    assert readme.is_file(), f"examples/{example.name} needs a README.md"
    assert readme.read_text(encoding="utf-8").startswith("# "), "the README starts with a title"
    pyproject: dict[str, Any] = tomllib.loads(
        (example / "pyproject.toml").read_text(encoding="utf-8")
    )
    project = pyproject["project"]
    assert project["name"] and project["version"]
    assert any(dependency.startswith("clientvoice") for dependency in project["dependencies"]), (
        f"examples/{example.name} must depend on clientvoice"
    )
    assert list((example / "tests").glob("test_*.py")), f"examples/{example.name}/tests is empty"


def test_pytest_collects_every_examples_tests_from_the_repository_root() -> None:
    """``testpaths`` must include the examples, so ``make test`` runs their tests."""
    configured = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    testpaths = configured["tool"]["pytest"]["ini_options"]["testpaths"]
    covered = [
        example
        for example in EXAMPLES
        if any(example.is_relative_to(ROOT / path) for path in testpaths)
    ]
    assert covered == EXAMPLES, f"pytest testpaths {testpaths} miss some examples"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
        + [str(example / "tests") for example in EXAMPLES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"collecting the examples' tests failed:\n{result.stdout}"
    for example in EXAMPLES:
        collected = [
            line
            for line in result.stdout.splitlines()
            if line.startswith(f"examples/{example.name}/")
        ]
        assert collected, f"pytest collected no test in examples/{example.name}:\n{result.stdout}"
