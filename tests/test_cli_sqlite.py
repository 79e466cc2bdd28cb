"""The command line on SQLite files: import, export, query and explain."""

from __future__ import annotations

from pathlib import Path

import pytest

from querylang.frontends import extjson
from taskdb.cli import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``main(argv)`` -> (status, stdout, stderr)."""
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    jsonl, db = tmp_path / "t.jsonl", tmp_path / "t.db"
    assert run(["sample", "200", "--seed", "3", "-o", str(jsonl)], capsys)[0] == 0
    status, out, err = run(["import", str(jsonl), str(db)], capsys)
    assert (status, out) == (0, "") and "imported 200 records" in err
    return jsonl, db


def test_export_round_trips_the_import(files: tuple[Path, Path], capsys) -> None:
    jsonl, db = files
    status, out, _ = run(["export", str(db)], capsys)
    assert status == 0
    want = [extjson.loads(line) for line in jsonl.read_text().splitlines()]
    assert [extjson.loads(line) for line in out.splitlines()] == want
    target = db.parent / "back.jsonl"
    argv = ["export", str(db), "-o", str(target), "--query", "completed == null"]
    assert run(argv, capsys)[0] == 0
    back = [extjson.loads(line) for line in target.read_text().splitlines()]
    assert back == [r for r in want if r["completed"] is None] and back


@pytest.mark.parametrize(
    "argv",
    [
        ["completed == null", "--count"],
        ['{"result_header.status": {"$ne": "ok"}}', "--keys", "result_header", "--format", "json"],
        ["header.msg_type =~ /^apply/ and engine_uuid != null", "--format", "jsonl"],
    ],
)
def test_query_a_db_file_like_a_jsonl_file(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    jsonl, db = files
    from_lines = run(["query", str(jsonl), *argv], capsys)
    from_db = run(["query", str(db), *argv], capsys)
    assert from_db == from_lines and from_db[0] == 0


def test_explain_shows_the_sql(files: tuple[Path, Path], capsys) -> None:
    _, db = files
    status, out, _ = run(["explain", 'client_uuid == "x" and completed == null', str(db)], capsys)
    assert status == 0
    for part in ("WHERE", "CERTAIN", "p0 = 'x'", "exact      client_uuid", "sqlite plan:"):
        assert part in out


def test_import_is_all_or_nothing(files: tuple[Path, Path], capsys) -> None:
    jsonl, db = files
    extra = db.parent / "more.jsonl"
    lines = jsonl.read_text().splitlines()
    new = extjson.dumps({**extjson.loads(lines[0]), "msg_id": "brand-new"})
    extra.write_text(new + "\n" + lines[5] + "\n")
    status, out, err = run(["import", str(extra), str(db)], capsys)
    assert status == 1 and "Already have msg_id" in err and "nothing was imported" in err
    assert run(["query", str(db), 'msg_id == "brand-new"', "--count"], capsys)[1] == "0\n"


def test_errors_are_one_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\xff" * 2000)
    status, out, err = run(["query", str(bad), "a == 1"], capsys)
    assert status == 1 and err.startswith("taskdb: error: ") and "bad.db" in err
    assert "Traceback" not in err
    status, _, err = run(["export", str(tmp_path / "t.jsonl")], capsys)
    assert status == 1 and "not a SQLite database" in err
    assert main(["import", "--help"]) == 0
