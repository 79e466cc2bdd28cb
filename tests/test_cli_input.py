"""What ``taskdb query`` reads: any JSON records, gzip'd, several files, stdin, @query files;
and its own error messages for bad JSON (file, line, column in that line)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from querylang.frontends import extjson
from taskdb.cli import main
from taskdb.samples import sample_records

REPO = Path(__file__).resolve().parent.parent


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def jsonl(records: list[dict[str, Any]]) -> str:
    return "".join(extjson.dumps(r) + "\n" for r in records)


PEOPLE = [
    {"name": "ada", "age": 36, "langs": ["en", "fr"], "address": {"city": "London"}},
    {"name": "alan", "age": 41, "langs": ["en"], "address": {"city": "Wilmslow"}},
    {"name": "grace", "age": 85, "langs": [], "address": {"city": "Arlington"}},
    {"name": "edsger", "age": 72, "address": {"city": "Nuenen"}, "completed": "yes"},
]


@pytest.fixture
def people(tmp_path: Path) -> Path:
    path = tmp_path / "people.jsonl"
    path.write_text(jsonl(PEOPLE), encoding="utf-8")
    return path


# --- the pipeline, as a real shell pipeline ---------------------------------------------


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }


def test_json_output_feeds_back_into_query() -> None:
    """docs/cli.md promises --format json can be fed back: the issue's exact pipeline."""
    taskdb = f"{sys.executable} -m taskdb"
    done = subprocess.run(
        f"{taskdb} sample 3 | {taskdb} query - true --format json | {taskdb} query - true --count",
        shell=True,
        capture_output=True,
        text=True,
        env=_env(),
        cwd=REPO,
        timeout=120,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "3\n", "")


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_every_output_format_reads_back(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "t.jsonl"
    data.write_text(jsonl(sample_records(20)), encoding="utf-8")
    status, out, _ = run(["query", str(data), "completed != null", "--format", fmt], capsys)
    again = tmp_path / f"again.{fmt}"
    again.write_text(out, encoding="utf-8")
    status, out2, err = run(["query", str(again), "true", "--format", "jsonl"], capsys)
    assert (status, err) == (0, "")
    want = [r for r in sample_records(20) if r["completed"] is not None]
    assert [extjson.loads(line) for line in out2.splitlines()] == want


def test_pretty_printed_records_are_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """``jq .`` prints each record over several lines: still records, one after another."""
    path = tmp_path / "pretty.json"
    path.write_text("".join(json.dumps(p, indent=2) + "\n" for p in PEOPLE), encoding="utf-8")
    status, out, _ = run(["query", str(path), "age > 40", "--count"], capsys)
    assert (status, out) == (0, "3\n")


# --- generic JSON lines ------------------------------------------------------------------------


def test_generic_records_keep_their_shape(people: Path, capsys: pytest.CaptureFixture[str]):
    status, out, err = run(["query", str(people), "age > 40", "--format", "jsonl"], capsys)
    assert (status, err) == (0, "")
    # no msg_id or line number is written into the user's records
    assert [json.loads(line) for line in out.splitlines()] == PEOPLE[1:]


def test_generic_records_table_shows_line_numbers(
    people: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(["query", str(people), "address.city =~ /^[LN]/"], capsys)
    lines = out.splitlines()
    assert lines[0].split() == ["#", "name", "age", "langs", "address", "completed"]
    assert [line.split()[:2] for line in lines[2:4]] == [["1", "ada"], ["4", "edsger"]]
    assert lines[-1] == "(2 matches among 4 records)"


def test_id_field_names_records(people: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        ["query", str(people), "age < 50", "--id", "name", "--keys", "address.city"], capsys
    )
    lines = out.splitlines()
    assert lines[0].split() == ["name", "address.city"]
    assert [line.split() for line in lines[2:4]] == [["ada", "London"], ["alan", "Wilmslow"]]
    status, out, _ = run(
        ["query", str(people), "age < 50", "--id", "name", "--keys", "age", "--format", "jsonl"],
        capsys,
    )
    assert [json.loads(line) for line in out.splitlines()] == [
        {"name": "ada", "age": 36},
        {"name": "alan", "age": 41},
    ]


def test_id_field_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "dup.jsonl"
    path.write_text('{"k": 1}\n{"k": 2}\n{"k": 1}\n', encoding="utf-8")
    status, _, err = run(["query", str(path), "true", "--id", "k"], capsys)
    assert status == 1 and f"{path}:3: duplicate id 1" in err and "first at line 1" in err
    status, _, err = run(["query", str(path), "true", "--id", "nope"], capsys)
    assert status == 1 and f"{path}:1: the record has no 'nope' (--id)" in err


def test_date_fields_of_other_data_are_not_checked(
    people: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``completed: "yes"`` would be refused by a DictDB (not a date); plain JSON lines keep it."""
    status, out, _ = run(["query", str(people), 'completed == "yes"', "--count"], capsys)
    assert (status, out) == (0, "1\n")


# --- several files, gzip, @query ---------------------------------------------------------


def test_several_files_and_gzip(
    tmp_path: Path, people: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    packed = tmp_path / "more.jsonl.gz"
    packed.write_bytes(gzip.compress(jsonl([{"name": "barbara", "age": 50}]).encode()))
    status, out, _ = run(["query", people.name, packed.name, "age >= 50"], capsys)
    assert status == 0
    ids = [line.split()[0] for line in out.splitlines()[2:-1]]
    assert ids == ["people.jsonl:3", "people.jsonl:4", "more.jsonl.gz:1"]
    assert out.splitlines()[-1] == "(3 matches among 5 records)"


def test_task_records_from_several_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    records = sample_records(30)
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl.gz"
    a.write_text(jsonl(records[:10]), encoding="utf-8")
    b.write_bytes(gzip.compress(jsonl(records[10:]).encode()))
    status, out, _ = run(["query", str(a), str(b), "true", "--format", "jsonl"], capsys)
    assert [extjson.loads(line) for line in out.splitlines()] == records
    b.write_bytes(gzip.compress(jsonl(records[5:12]).encode()))
    status, _, err = run(["query", str(a), str(b), "true"], capsys)
    assert status == 1 and f"{b}:1: duplicate msg_id" in err and f"(first at {a}:6)" in err


def test_query_from_a_file(people: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    qfile = tmp_path / "query.txt"
    qfile.write_text('age > 40\n  and address.city != "Nuenen"\n', encoding="utf-8")
    status, out, _ = run(["query", str(people), f"@{qfile}", "--count"], capsys)
    assert (status, out) == (0, "2\n")
    status, _, err = run(["query", str(people), f"@{tmp_path / 'none.txt'}"], capsys)
    assert status == 1 and "cannot read the query file" in err


def test_byte_order_mark_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + jsonl(PEOPLE).encode())
    status, out, _ = run(["query", str(path), 'name == "ada"', "--count"], capsys)
    assert (status, out) == (0, "1\n")


def test_sqlite_files_are_recognised(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    import sqlite3

    from taskdb import SQLiteDB

    foreign = tmp_path / "other.db"
    sqlite3.connect(foreign).execute("create table t (x)").connection.commit()
    status, _, err = run(["query", str(foreign), "true", "--count"], capsys)
    assert status == 1 and "other.db: has no table 'ipython-tasks'" in err
    db = SQLiteDB(filename="tasks.db", location=str(tmp_path))
    db.add_record("m1", {"msg_id": "m1", "completed": None})
    db.add_record("m2", {"msg_id": "m2", "completed": None, "engine_uuid": "e"})
    db.close()
    status, out, err = run(
        ["query", str(tmp_path / "tasks.db"), "engine_uuid == null", "--count"], capsys
    )
    assert (status, out, err) == (0, "1\n", "")


# --- JSON errors in our words ---------------------------------------------------------------------

BAD_JSON = [
    ('{"a": 1}\n{"a" 1}\n', "2:6: expected ':' after a key"),
    ('{"a": 1}\n{"a": 1,}\n', "2:9: expected a key in double quotes"),
    ("{'a': 1}\n", "1:2: expected a key in double quotes"),
    ('{"a": tru}\n', "1:7: expected a JSON value"),
    ('{"a": "x\n', "1:9: unterminated string (a line break before its closing quote)"),
    ('{"a": 1}}\n', "1:9: unexpected '}': expected a record"),
    ('{"a": ]}\n', "1:7: unexpected ']': expected a JSON value"),
    ('{"a": [1 2]}\n', "1:10: expected ',' or a closing bracket"),
    ('{"a": 1}\n{"b": 2, "b": 3}\n', "2: duplicate key 'b' in a record"),
    ('{"a": 1}\n{"b": {"c": 1, "c": 2}}\n', "2: duplicate key 'c' in a record"),
    ('{"a":\n', "1:6: unexpected end of input: expected a JSON value"),
    ("[1]\n", "1: expected a JSON object (a record), got a number"),
    ('{"a": {"$date": "yesterday"}}\n', "1: at $.a: malformed $date"),
]


@pytest.mark.parametrize(("text", "where"), BAD_JSON, ids=[w for _, w in BAD_JSON])
def test_json_errors_name_file_line_and_column(
    text: str, where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(text, encoding="utf-8")
    status, out, err = run(["query", str(path), "true"], capsys)
    assert (status, out) == (1, "")
    assert err == f"taskdb: error: {path}:{where}" + err.split(where, 1)[1]
    assert "column" not in err and "char" not in err  # none of Python's json positions


def test_column_is_within_the_line_on_later_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"a": 1}\n\n   {"a": 2, "b": nope}\n', encoding="utf-8")
    status, _, err = run(["query", str(path), "true"], capsys)
    assert err == f"taskdb: error: {path}:3:18: expected a JSON value\n"


def test_stdin_errors_say_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> None:
    import io

    fake = io.TextIOWrapper(io.BytesIO(b'{"a": 1}\n{"a": }\n'))
    monkeypatch.setattr(sys, "stdin", fake)
    status, _, err = run(["query", "-", "true"], capsys)
    assert err == "taskdb: error: <stdin>:2:7: unexpected '}': expected a JSON value\n"
