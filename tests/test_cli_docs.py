"""docs/cli.md's ``console`` examples are run, and must print what the page says.

Every ```` ```console ```` block is a shell session: ``$ command`` lines are run in order by
one bash in a fresh directory (``taskdb`` is this checkout's ``python -m taskdb``; stdout and
stderr together, as a terminal shows them), and the lines up to the next ``$`` are the
expected output.  A line ``...`` stands for any number of lines, and ``...`` inside a line
for any text (timings).  ``TASKDB_UPDATE_DOCS=1 pytest tests/test_cli_docs.py`` rewrites the
outputs that differ (those without ``...``) from what the code prints now.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from taskdb.cli import main

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "cli.md"
BLOCK = re.compile(r"^```console\n(.*?)^```\n", re.M | re.S)


@dataclass
class Example:
    command: str
    expected: list[str]
    start: int  # offsets of the expected output in the document
    end: int


def examples(text: str) -> list[Example]:
    found = []
    for block in BLOCK.finditer(text):
        body, base = block.group(1), block.start(1)
        commands = list(re.finditer(r"^\$ (.*)\n", body, re.M))
        for i, cmd in enumerate(commands):
            end = commands[i + 1].start() if i + 1 < len(commands) else len(body)
            output = body[cmd.end() : end]
            found.append(Example(cmd.group(1), output.splitlines(), base + cmd.end(), base + end))
    return found


_PLAIN = re.compile(r"taskdb (?:[^|<>;&$`\\]|\$(?!\())*")


def _in_process(command: str) -> tuple[int, list[str]]:
    """A plain ``taskdb ...`` command through ``main(argv)`` (no process to start)."""
    argv = shlex.split(command)[1:]
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        status = main(argv)
    return status, buffer.getvalue().splitlines()


def _bash(command: str, workdir: Path, env: dict[str, str]) -> tuple[int, list[str]]:
    prelude = f'taskdb() {{ "{sys.executable}" -m taskdb "$@"; }}; export -f taskdb\n'
    prelude += f'python() {{ "{sys.executable}" "$@"; }}\n'
    done = subprocess.run(
        ["bash", "-c", prelude + command],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    return done.returncode, done.stdout.splitlines()


def run_all(commands: list[str], workdir: Path, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Each command's output lines (stdout and stderr as a terminal shows them), run in
    order in ``workdir``: plain ``taskdb`` commands in-process, the rest by bash."""
    env = {
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        "COLUMNS": "80",  # argparse's help wraps at the terminal's width
        "NO_COLOR": "1",
        "TZ": "UTC",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("TASKDB_DEBUG", raising=False)
    monkeypatch.chdir(workdir)
    outputs, status = [], 0
    for command in commands:
        if command == "echo $?":
            lines = [str(status)]
        elif _PLAIN.fullmatch(command):
            status, lines = _in_process(command)
        else:
            status, lines = _bash(command, workdir, dict(os.environ))
        outputs.append(lines)
    return outputs


def _line_matches(want: str, got: str) -> bool:
    if "..." not in want:
        return want == got
    pattern = ".*".join(re.escape(piece) for piece in want.split("..."))
    return re.fullmatch(pattern, got) is not None


def matches(want: list[str], got: list[str]) -> bool:
    """``got`` fits ``want``, where a line ``...`` is any lines and ``...`` any text."""
    if not want:
        return not got
    if want[0] == "...":
        return any(matches(want[1:], got[i:]) for i in range(len(got) + 1))
    return bool(got) and _line_matches(want[0], got[0]) and matches(want[1:], got[1:])


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[tuple[Example, list[str]]]]:
    text = DOC.read_text(encoding="utf-8")
    found = examples(text)
    with pytest.MonkeyPatch.context() as monkeypatch:
        outputs = run_all(
            [ex.command for ex in found], tmp_path_factory.mktemp("docs"), monkeypatch
        )
    pairs = list(zip(found, outputs, strict=True))
    if os.environ.get("TASKDB_UPDATE_DOCS"):
        for ex, got in reversed(pairs):
            if not matches(ex.expected, got) and "..." not in "\n".join(ex.expected):
                text = text[: ex.start] + "".join(line + "\n" for line in got) + text[ex.end :]
        DOC.write_text(text, encoding="utf-8")
    yield pairs


def test_docs_have_examples(results: list[tuple[Example, list[str]]]) -> None:
    commands = [ex.command for ex, _ in results]
    assert len(commands) >= 20
    assert any(c.startswith("taskdb explain ") for c in commands)


def test_docs_examples_print_what_they_say(results: list[tuple[Example, list[str]]]) -> None:
    wrong = [
        f"$ {ex.command}\n--- docs/cli.md says:\n" + "\n".join(ex.expected)
        + "\n--- it prints:\n" + "\n".join(got)
        for ex, got in results
        if not matches(ex.expected, got)
    ]  # fmt: skip
    assert not wrong, (
        "docs/cli.md is out of date (TASKDB_UPDATE_DOCS=1 pytest tests/test_cli_docs.py "
        "rewrites it):\n\n" + "\n\n".join(wrong)
    )


def test_ellipsis_matching() -> None:
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert matches(["matches: 5 in ... ms"], ["matches: 5 in 1.2 ms"])
    assert not matches(["a", "...", "d"], ["a", "b"])
    assert not matches(["a"], ["a", "b"])
