"""The docs cannot drift: every Python block runs, the reference covers the public API and every
hook, and the site builds with Sphinx treating every warning as an error.

Python examples are MyST code fences with the ``python`` language. The blocks of one page run in
order in one namespace, so a block can use what earlier blocks defined, inside a fresh temporary
folder. A block whose first line is ``# file: name.py`` is not run but written to that file in the
folder, which is on ``sys.path``: that is how a page shows a whole plugin module, then imports
it. Anything not meant to run uses another language (``toml``, ``console``, ``text``).
"""

from __future__ import annotations

import importlib
import inspect
import re
import subprocess
import sys
import textwrap
import traceback
from pathlib import Path
from typing import Any, NamedTuple

import pytest

import clientvoice
from clientvoice import hookspecs
from clientvoice.channels.records import CUSTOMER_FIELDS, RECORD_FIELDS

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = sorted(page for page in DOCS.rglob("*.md") if "_build" not in page.relative_to(DOCS).parts)
HOOKS = sorted(
    name
    for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("clientvoice_")
)

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
_FILE_MARKER = re.compile(r"^# file: (?P<name>[A-Za-z_][A-Za-z0-9_]*\.py)\s*$")
_PYTHON_ALIASES = {"py", "py3", "python3", "pycon", "ipython", "ipython3"}


class Fence(NamedTuple):
    """One fenced code block of a page."""

    language: str
    info: str
    """The whole info string: the language, and directive arguments for ```{directive}."""
    line: int
    """The 1-based line of the block's first line of code."""
    code: str


def fences(page: Path) -> list[Fence]:
    """Every fenced code block of a Markdown page, in order (CommonMark fences, ``` or ~~~)."""
    found: list[Fence] = []
    opening: tuple[str, str, int] | None = None  # the fence, its info string, its first line
    body: list[str] = []
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if opening is None:
            match = _FENCE.match(line)
            if match:
                info = match["info"].strip()
                opening = (match["fence"], info, number + 1)
                body = []
            continue
        fence, info, start = opening
        closing = line.strip()
        if len(closing) >= len(fence) and closing == fence[0] * len(closing):
            found.append(_fence(info, start, body))
            opening = None
        else:
            body.append(line)
    if opening is not None:  # an unclosed fence runs to the end of the page
        found.append(_fence(opening[1], opening[2], body))
    return found


def _fence(info: str, line: int, body: list[str]) -> Fence:
    language = info.split()[0] if info else ""
    return Fence(language, info, line, textwrap.dedent("\n".join(body)))


def python_blocks(page: Path) -> list[Fence]:
    return [fence for fence in fences(page) if fence.language == "python"]


README = DOCS.parent / "README.md"


def page_id(page: Path) -> str:
    if page == README:
        return "README.md"
    return page.relative_to(DOCS).as_posix()


PAGES_WITH_CODE = [page for page in [*PAGES, README] if python_blocks(page)]


def test_the_docs_have_pages_with_runnable_examples() -> None:
    assert (DOCS / "index.md") in PAGES
    assert PAGES_WITH_CODE, "no ```python blocks found: is the fence parser broken?"


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_python_is_only_in_python_fences(page: Path) -> None:
    """Python under another fence name (```py, ```pycon...) would silently escape the tests."""
    wrong = [
        f"line {fence.line - 1}: ```{fence.info}"
        for fence in fences(page)
        if fence.language.lower() in _PYTHON_ALIASES
        or (fence.language.startswith("{") and "python" in fence.info.lower())
    ]
    assert not wrong, f"{page_id(page)}: use ```python so the block runs in the tests: {wrong}"


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=page_id)
def test_python_blocks_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIENTVOICE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("CLIENTVOICE_BLOCK_PLUGINS", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    modules_before = set(sys.modules)
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    try:
        for number, block in enumerate(python_blocks(page), 1):
            where = f"{page_id(page)}, Python block {number} (line {block.line})"
            marker = _FILE_MARKER.match(block.code.partition("\n")[0])
            # Pad with blank lines so tracebacks point at the page's own line numbers.
            source = "\n" * (block.line - 1) + block.code + "\n"
            failure = None
            try:
                code = compile(source, str(page), "exec")
                if marker:
                    (tmp_path / marker["name"]).write_text(block.code + "\n", encoding="utf-8")
                    importlib.invalidate_caches()
                else:
                    exec(code, namespace)
            except Exception as error:  # report it with the page's lines, not this test's
                frames = error.__traceback__.tb_next if error.__traceback__ else None
                failure = "".join(traceback.format_exception(type(error), error, frames))
            if failure is not None:
                pytest.fail(f"{where} failed:\n{failure}", pytrace=False)
    finally:
        for name in set(sys.modules) - modules_before:  # modules the page wrote and imported
            file = getattr(sys.modules[name], "__file__", None)
            if file and Path(file).resolve().is_relative_to(tmp_path.resolve()):
                del sys.modules[name]


def _autodoc_targets(text: str, prefix: str = "") -> list[str]:
    """Names documented by top-level ``.. autoXXX::`` directives (not nested ones)."""
    return re.findall(rf"^\.\. auto\w+:: {re.escape(prefix)}([\w.]+)", text, re.MULTILINE)


def test_every_public_name_is_in_the_api_reference() -> None:
    text = (DOCS / "reference" / "api.md").read_text(encoding="utf-8")
    documented = _autodoc_targets(text)
    public = [name for name in clientvoice.__all__ if name != "__version__"]
    missing = sorted(set(public) - set(documented))
    assert not missing, f"add to docs/reference/api.md: {', '.join(missing)}"
    # Names from submodules (``clientvoice.testing.X``) are written in full and must be public
    # there: in their module's ``__all__``.
    qualified = [name for name in documented if name.startswith("clientvoice.")]
    for name in qualified:
        module_name, _, attribute = name.rpartition(".")
        module = importlib.import_module(module_name)
        assert attribute in getattr(module, "__all__", ()), f"{name} is not in its __all__"
    not_public = sorted(set(documented) - set(public) - set(qualified))
    assert not not_public, f"documented in api.md but not in clientvoice.__all__: {not_public}"
    twice = sorted({name for name in documented if documented.count(name) > 1})
    assert not twice, f"documented twice in api.md: {twice}"


def test_every_hook_is_in_the_hooks_reference_with_an_example() -> None:
    assert HOOKS, "no hooks found in clientvoice.hookspecs"
    page = DOCS / "reference" / "hooks.md"
    documented = _autodoc_targets(page.read_text(encoding="utf-8"), "clientvoice.hookspecs.")
    assert sorted(documented) == HOOKS, "every hook needs one `.. autofunction::` in hooks.md"
    examples = "\n".join(block.code for block in python_blocks(page))
    without = [hook for hook in HOOKS if f"def {hook}(" not in examples]
    assert not without, f"hooks without a runnable example in hooks.md: {without}"


def test_every_record_field_is_in_the_record_reference() -> None:
    text = (DOCS / "reference" / "records.md").read_text(encoding="utf-8")
    record_part, _, customer_part = text.partition("\n## The customer object\n")
    assert customer_part, "records.md needs a '## The customer object' section"

    def rows(part: str) -> set[str]:
        return set(re.findall(r"^\| `([\w.]+)`", part, re.MULTILINE))

    assert rows(record_part) == set(RECORD_FIELDS), "the record fields table is out of date"
    assert rows(customer_part) == set(CUSTOMER_FIELDS), "the customer fields table is out of date"


def test_the_site_builds_without_warnings(tmp_path: Path) -> None:
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_parser")
    pytest.importorskip("furo")
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-W",
        "--keep-going",
        "-q",
        "-b",
        "html",
        "-d",
        str(tmp_path / "doctrees"),
        str(DOCS),
        str(tmp_path / "html"),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"sphinx-build failed:\n{result.stdout}\n{result.stderr}"
    assert (tmp_path / "html" / "index.html").is_file()
