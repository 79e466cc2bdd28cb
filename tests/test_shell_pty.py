"""``taskdb shell`` in a real pseudo-terminal (pexpect): prompt, highlighting, Tab completion,
paging, caret errors, Ctrl-C, Ctrl-D, and history kept in the user's data directory."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from querylang.frontends import extjson
from taskdb.samples import sample_records

REPO = Path(__file__).resolve().parent.parent
ROWS, COLS = 24, 100
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def plain(text: str) -> str:
    """Terminal output without escape sequences and carriage returns."""
    return ANSI.sub("", text).replace("\r", "")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("shell") / "tasks.jsonl"
    path.write_text("".join(extjson.dumps(r) + "\n" for r in sample_records(200)))
    return path


def spawn(data: Path, home: Path, color: bool = True) -> pexpect.spawn:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        "XDG_DATA_HOME": str(home),
        "TERM": "xterm-256color",
        "PROMPT_TOOLKIT_NO_CPR": "1",  # pexpect answers no cursor-position requests
    }
    env.pop("NO_COLOR", None)
    if not color:
        env["NO_COLOR"] = "1"
    child = pexpect.spawn(
        sys.executable,
        ["-m", "taskdb", "shell", str(data)],
        env=env,
        encoding="utf-8",
        dimensions=(ROWS, COLS),
        timeout=30,
    )
    child.expect("Type .help for help")
    child.expect("taskdb>")
    return child


@pytest.fixture
def shell(data: Path, tmp_path: Path) -> Iterator[pexpect.spawn]:
    child = spawn(data, tmp_path)
    yield child
    if child.isalive():
        child.terminate(force=True)


def test_completion_highlighting_and_results(shell: pexpect.spawn) -> None:
    shell.send("compl\t")
    shell.expect("eted")  # Tab completed the field name seen in the data
    shell.send(' == null and header.msg_type == "exe\t')
    shell.expect("cute_request")  # and a value seen in that field (drawn after "exe")
    shell.send("\r")
    shell.expect(r"\((\d+) matches among 200 records\)")
    output = shell.before
    assert 'completed == null and header.msg_type == "execute_request"' in plain(output)
    assert "\x1b[0;34;1mand" in output  # the keyword 'and' was highlighted
    pending = [r for r in sample_records(200) if r["completed"] is None]
    want = [r for r in pending if r["header"]["msg_type"] == "execute_request"]
    assert int(shell.match.group(1)) == len(want)
    assert all(r["msg_id"][:8] in plain(output) for r in want)
    shell.expect("taskdb>")


def test_paging_fits_the_terminal(shell: pexpect.spawn) -> None:
    shell.send("true\r")
    shell.expect('Type "it" for more')
    first = plain(shell.before)
    shell.expect("taskdb>")
    rows = [line for line in first.splitlines() if re.match(r"[0-9a-f]{8}-", line)]
    assert len(rows) == ROWS - 7
    assert all(len(line) <= COLS for line in first.splitlines())
    shell.send("it\r")
    shell.expect(r"\(showing 18-34 of 200 matches among 200 records\)")
    shell.expect("taskdb>")


def test_error_caret_ctrl_c_and_ctrl_d(data: Path, tmp_path: Path) -> None:
    shell = spawn(data, tmp_path, color=False)
    shell.send("completed == == 1\r")
    shell.expect("error: unexpected '=='")
    caret = [line for line in plain(shell.before).splitlines() if line.strip() == "^"]
    assert caret == [" " * len("taskdb> completed == ") + "^"]
    shell.expect("taskdb>")
    shell.send("half a line")
    shell.sendcontrol("c")  # drops the line, as a shell does
    shell.expect("taskdb>")
    shell.send(".count completed == null\r")
    pending = sum(r["completed"] is None for r in sample_records(200))
    shell.expect(r"(\d+)\r\n")  # the echoed line ends in \r\r\n: this is the answer
    assert int(shell.match.group(1)) == pending
    shell.expect("taskdb>")
    shell.sendcontrol("d")
    shell.expect(pexpect.EOF)
    shell.close()
    assert shell.exitstatus == 0
    history = (tmp_path / "taskdb" / "shell_history").read_text()
    assert "+completed == == 1" in history and "+.count completed == null" in history
    assert "half a line" not in history


def test_history_reaches_earlier_sessions(data: Path, tmp_path: Path) -> None:
    shell = spawn(data, tmp_path, color=False)
    shell.send(".count engine_uuid == null\r")
    shell.expect(r"(\d+)\r\n")
    shell.expect("taskdb>")
    shell.sendcontrol("d")
    shell.expect(pexpect.EOF)
    assert "+.count engine_uuid == null" in (tmp_path / "taskdb" / "shell_history").read_text()
    shell = spawn(data, tmp_path, color=False)
    time.sleep(1)  # prompt_toolkit loads the history file in a thread
    for _ in range(20):  # arrow up: the last query of the previous session (once loaded)
        shell.send("\x1b[A")
        if shell.expect([r"null", pexpect.TIMEOUT], timeout=0.5) == 0:
            break
    shell.send("\r")
    shell.expect(r"(\d+)\r\n")
    assert int(shell.match.group(1)) == sum(r["engine_uuid"] is None for r in sample_records(200))
    shell.expect("taskdb>")  # keys typed between prompts go to the tty's line discipline
    shell.sendcontrol("d")
    shell.expect(pexpect.EOF)
