"""The command as a real process: Ctrl-C, output files that appear whole or not at all,
progress bars only on a terminal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pexpect
import pytest

from taskdb.cli import main

REPO = Path(__file__).resolve().parent.parent


def _env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        **extra,
    }


def test_ctrl_c_during_sample_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "big.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "taskdb", "sample", "5000000", "-o", str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until it is writing
        parts = list(tmp_path.glob(".big.jsonl.*.part"))
        if parts and parts[0].stat().st_size > 100_000:
            break
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("sample never started writing")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err and err.strip() == "taskdb: interrupted"
    assert list(tmp_path.iterdir()) == []  # neither big.jsonl nor the temporary file


def test_interrupt_in_process_returns_130(
    monkeypatch: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import taskdb.cli.commands as commands

    def interrupted(*args: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(commands, "explain_text", interrupted)
    assert main(["explain", "a == 1"]) == 130
    assert capsys.readouterr().err == "\ntaskdb: interrupted\n"


def test_sample_does_not_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "t.jsonl"
    target.write_text("precious\n")
    assert main(["sample", "3", "-o", str(target)]) == 1
    assert (
        capsys.readouterr().err == f"taskdb: error: {target} exists; use --force to overwrite it\n"
    )
    assert target.read_text() == "precious\n"
    assert main(["sample", "3", "-o", str(target), "--force"]) == 0
    assert len(target.read_text().splitlines()) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.jsonl"]
    assert (target.stat().st_mode & 0o777) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "tasks.jsonl"
    assert main(["sample", "3000", "-o", str(path)]) == 0
    return path


def test_progress_bar_on_a_terminal(big_file: Path) -> None:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "taskdb", "query", str(big_file), "completed == null", "--count"],
        env=_env(TASKDB_PROGRESS_DELAY="0", COLUMNS="100", LINES="20"),
        encoding="utf-8",
        timeout=60,
        dimensions=(20, 100),
    )
    child.expect(pexpect.EOF)
    child.close()
    text = child.before
    assert child.exitstatus == 0
    assert "reading" in text and "%" in text  # tqdm's bar was drawn on the terminal
    assert text.rstrip().splitlines()[-1].strip().endswith("310")


def test_no_progress_bar_in_a_pipe(big_file: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "taskdb", "query", str(big_file), "completed == null", "--count"],
        capture_output=True,
        text=True,
        env=_env(TASKDB_PROGRESS_DELAY="0"),
        timeout=60,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "310\n", "")
