"""The taskdb command line: in-process through ``main(argv)``, and as ``python -m taskdb``."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import querylang
from querylang.frontends import extjson
from taskdb import DictDB
from taskdb.cli import main
from taskdb.cli.demo import demo_queries
from taskdb.cli.output import DEFAULT_COLUMNS, cell_text, format_table
from taskdb.samples import sample_records

REPO = Path(__file__).resolve().parent.parent
N, SEED = 200, 1


def run(argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str | None = None):
    """``main(argv)`` -> (status, stdout, stderr)."""
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        status = main(argv)
    finally:
        sys.stdin = sys.__stdin__
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return sample_records(N, seed=SEED)


@pytest.fixture(scope="module")
def db(records: list[dict[str, Any]]) -> Any:
    db = DictDB(record_limit=10_000)
    for rec in records:
        db.add_record(rec["msg_id"], dict(rec))
    return db


@pytest.fixture
def data_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "records.jsonl"
    status, out, err = run(["sample", str(N), "--seed", str(SEED), "-o", str(path)], capsys)
    assert (status, out, err) == (0, "", "")
    return path


def _jsonl_ids(out: str) -> list[str]:
    return [extjson.loads(line)["msg_id"] for line in out.splitlines()]


# --- sample ------------------------------------------------------------------------------


def test_sample_writes_the_sample_records(
    data_file: Path, records: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    lines = data_file.read_text(encoding="utf-8").splitlines()
    assert [extjson.loads(line) for line in lines] == records
    assert '"$date": "2024-01-01T12:00:00.' in lines[0] and '"$binary"' in lines[0]
    status, out, _ = run(["sample", str(N), "--seed", str(SEED)], capsys)
    assert status == 0 and out.splitlines() == lines
    status, out, _ = run(["sample", "3", "--seed", "2"], capsys)
    assert _jsonl_ids(out) == [r["msg_id"] for r in sample_records(3, seed=2)]


# --- query -------------------------------------------------------------------------------

QUERIES = [
    {"completed": None},
    {"result_header.status": "error"},
    {"header.msg_type": {"$regex": "^execute"}, "completed": {"$ne": None}},
    {"$or": [{"engine_uuid": None}, {"resubmitted": {"$ne": None}}]},
    {"submitted": {"$gte": sample_records(1)[0]["submitted"]}},
    {"engine_uuid": "no-such-engine"},
]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: extjson.dumps(q)[:40])
def test_query_jsonl_matches_dictdb(
    query: dict[str, Any], data_file: Path, db: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(
        ["query", str(data_file), extjson.dumps(query), "--format", "jsonl"], capsys
    )
    assert (status, err) == (0, "")
    want = db.find_records(query)
    assert _jsonl_ids(out) == [r["msg_id"] for r in want]
    assert [extjson.loads(line) for line in out.splitlines()] == want


def test_query_textual_language(data_file: Path, db: Any, capsys: pytest.CaptureFixture[str]):
    text = 'completed == null and header.msg_type == "apply_request"'
    status, out, err = run(["query", str(data_file), text, "--count"], capsys)
    want = db.find_records({"completed": None, "header.msg_type": "apply_request"})
    assert (status, out, err) == (0, f"{len(want)}\n", "")
    assert want


def test_query_keys_json_limit_count(
    data_file: Path, db: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    q = '{"completed": {"$ne": null}}'
    want = db.find_records({"completed": {"$ne": None}}, ["engine_uuid", "completed"])
    status, out, _ = run(
        ["query", str(data_file), q, "--keys", "engine_uuid", "completed", "--format", "json"],
        capsys,
    )
    assert status == 0
    got = extjson.decode(json.loads(out))
    assert got == want and all(set(r) == {"msg_id", "engine_uuid", "completed"} for r in got)
    status, out, _ = run(["query", str(data_file), q, "--format", "jsonl", "--limit", "4"], capsys)
    assert _jsonl_ids(out) == [r["msg_id"] for r in want[:4]]
    status, out, _ = run(["query", str(data_file), q, "--count"], capsys)
    assert out == f"{len(want)}\n"


def test_query_table(data_file: Path, db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    want = db.find_records({"completed": None})
    status, out, _ = run(["query", str(data_file), '{"completed": null}', "--limit", "5"], capsys)
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == list(DEFAULT_COLUMNS)
    assert set(lines[1]) == {"-", " "}
    assert [line.split()[0] for line in lines[2:7]] == [r["msg_id"] for r in want[:5]]
    first = want[0]["submitted"]
    submitted = f"{first:%Y-%m-%d %H:%M:%S}.{first.microsecond // 1000:03d}"
    assert submitted in lines[2]
    assert lines[-1] == f"(showing 5 of {len(want)} matches among {N} records)"
    # columns line up: every row starts its second column where the header does
    col = lines[0].index("engine_uuid")
    assert all(row[col - 2 : col] == "  " and row[col] != " " for row in lines[2:7])


def test_table_cells_are_readable_and_truncated() -> None:
    rec = sample_records(1)[0]
    table = format_table([rec], ["msg_id", "header", "buffers", "nope"])
    row = table.splitlines()[2]
    assert "{msg_id: " in row and "…" in row
    assert all(len(cell) <= 36 for cell in re.split(r"  +", row))
    assert cell_text(rec["buffers"]).startswith("[<") and "bytes>" in cell_text(rec["buffers"])
    assert cell_text(None) == "null" and cell_text(True) == "true"


def test_query_from_stdin(data_file: Path, db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    text = data_file.read_text(encoding="utf-8")
    status, out, _ = run(["query", "-", '{"completed": null}', "--count"], capsys, stdin=text)
    assert (status, out) == (0, f"{len(db.find_records({'completed': None}))}\n")
    status, out, _ = run(
        ["query", str(data_file), "-", "--count"], capsys, stdin='{"resubmitted": {"$ne": null}}'
    )
    assert (status, out) == (0, f"{len(db.find_records({'resubmitted': {'$ne': None}}))}\n")


def test_query_extended_json_dates_in_query(
    data_file: Path, records: list[dict[str, Any]], db: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    cut = records[N // 2]["submitted"]
    text = extjson.dumps({"submitted": {"$lt": cut}})
    status, out, _ = run(["query", str(data_file), text, "--count"], capsys)
    assert (status, out) == (0, f"{N // 2}\n")


# --- errors ------------------------------------------------------------------------------


def _assert_error(status: int, out: str, err: str, *fragments: str, code: int = 1) -> None:
    assert status == code
    assert out == ""
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


def test_query_errors_show_where(data_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["query", str(data_file), '{"completed": {"$gtt": 1}}'], capsys)
    _assert_error(status, out, err, "taskdb: error: ", "$gtt", "did you mean '$gt'?")
    status, out, err = run(["query", str(data_file), '{"completed": {"$gt": 1}'], capsys)
    _assert_error(status, out, err, "taskdb: error: ", "line 1, column", "^")
    status, out, err = run(["query", str(data_file), "completed == == 3"], capsys)
    _assert_error(status, out, err, "taskdb: error: ", "^")
    status, out, err = run(["query", str(data_file), '{"a": {"$date": "soon"}}'], capsys)
    _assert_error(status, out, err, "malformed $date")


def test_data_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["query", str(tmp_path / "missing.jsonl"), "{}"], capsys)
    _assert_error(status, out, err, "taskdb: error: cannot read", "missing.jsonl")
    bad = tmp_path / "bad.jsonl"
    rec = extjson.dumps(sample_records(1)[0])
    bad.write_text(rec + "\n\n" + '{"msg_id": "x", "submitted": {"$date": 5.5}}\n')
    status, out, err = run(["query", str(bad), "{}"], capsys)
    _assert_error(status, out, err, f"{bad}:3: at $.submitted: malformed $date")
    bad.write_text("[1, 2]\n")
    status, out, err = run(["query", str(bad), "{}"], capsys)
    _assert_error(status, out, err, f"{bad}:1: expected a JSON object (a record), got a number")
    bad.write_text(rec + "\n" + rec + "\n")
    status, out, err = run(["query", str(bad), "{}"], capsys)
    _assert_error(status, out, err, f"{bad}:2: duplicate msg_id", "(first at line 1)")
    bad.write_bytes(rec.encode() + b"\n\xff\xfe\n")
    status, out, err = run(["query", str(bad), "{}"], capsys)
    _assert_error(status, out, err, f"{bad}:2:1: not UTF-8 text (byte 0xff)")
    status, out, err = run(["query", "-", "-"], capsys, stdin="")
    _assert_error(status, out, err, "cannot both come from stdin")


@pytest.mark.parametrize(
    "argv",
    [[], ["frobnicate"], ["query"], ["query", "f", "{}", "--sort", "a:up"], ["sample", "-1"],
     ["sample", "x"],
     ["query", "f", "{}", "--format", "xml"], ["query", "f", "{}", "--limit", "-3"]],
)  # fmt: skip
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(argv, capsys)
    _assert_error(status, out, err, "usage: taskdb", "error:", code=2)


@pytest.mark.parametrize("argv", [[], ["sample"], ["query"], ["explain"], ["shell"], ["demo"]])
def test_help_everywhere(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run([*argv, "--help"], capsys)
    assert (status, err) == (0, "")
    assert out.startswith("usage: taskdb")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["--version"], capsys)
    assert status == 0 and re.fullmatch(r"taskdb \d+\.\d+\.\d+\S*\n", out)


# --- explain and demo --------------------------------------------------------------------


def test_explain(data_file: Path, db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    mongo = {"completed": None, "engine_uuid": {"$in": ["e1", "e2"]}}
    query = querylang.from_dict(mongo)
    status, out, err = run(["explain", json.dumps(mongo)], capsys)
    assert (status, err) == (0, "")
    want = re.sub(
        r"^mongo: *.*$",
        lambda m: m.group().split(":")[0] + ":     " + extjson.dumps(mongo),
        str(querylang.explain(query)).rstrip(),
        count=1,
        flags=re.M,
    )
    assert out.startswith(want + "\nplan:\n")
    assert f"mongo:     {extjson.dumps(mongo)}\n" in out
    plan = out.split("\nplan:\n", 1)[1]
    assert plan.split() == DictDB().plan(mongo).describe().split()
    status, out, _ = run(["explain", json.dumps(mongo), str(data_file)], capsys)
    assert status == 0
    plan = out.split("\nplan:\n", 1)[1]
    assert plan.split() == db.plan(mongo).describe().split()
    assert plan != DictDB().plan(mongo).describe()  # estimates come from the file's records


def test_demo_counts_match_dictdb(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["demo", "--n", "500", "--rows", "2"], capsys)
    assert (status, err) == (0, "")
    records = sample_records(500, seed=0)
    db = DictDB(record_limit=10_000)
    for rec in records:
        db.add_record(rec["msg_id"], dict(rec))
    counts = [int(m) for m in re.findall(r"^matches: (\d+) in", out, re.M)]
    want = [len(db.find_records(q)) for _, q in demo_queries(records)]
    assert counts == want
    assert want[-1] == 0 and all(want[:-1])  # the tour ends on a query that matches nothing
    for title, _ in demo_queries(records):
        assert f"== {title}\n" in out


# --- as a real process -------------------------------------------------------------------


def _python_m(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "taskdb", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )


def test_subprocess_demo_and_errors(data_file: Path, db: Any) -> None:
    done = _python_m("demo")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "10000 sample task records" in done.stdout and "== pending tasks" in done.stdout
    done = _python_m(
        "query", str(data_file), '{"result_header.status": "error"}', "--format", "jsonl"
    )
    assert done.returncode == 0 and done.stderr == ""
    assert _jsonl_ids(done.stdout) == [
        r["msg_id"] for r in db.find_records({"result_header.status": "error"})
    ]
    done = _python_m("query", "-", "completed == null", "--count", stdin=data_file.read_text())
    assert (done.returncode, done.stdout) == (0, f"{len(db.find_records({'completed': None}))}\n")
    done = _python_m("query", str(data_file), '{"completed": {"$gtt": 1}}')
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("taskdb: error: ") and "Traceback" not in done.stderr
    done = _python_m("query")
    assert done.returncode == 2 and "usage: taskdb query" in done.stderr


def test_subprocess_broken_pipe_is_quiet() -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "taskdb", "sample", "20000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 0
    assert extjson.loads(first)["msg_id"] == sample_records(1)[0]["msg_id"]
    assert err == b""
