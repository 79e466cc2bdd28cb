"""Shaping results: MongoDB's sort order, skip/limit/count/count-by, dotted --keys, tables that
fit the terminal, colour only on a TTY, explain's Extended JSON and type hints."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from querylang.frontends import extjson
from taskdb import DictDB
from taskdb.cli import main
from taskdb.cli.output import Style, table_text, use_color
from taskdb.cli.results import count_by, parse_sort, project, sort_rows
from taskdb.samples import sample_records

N = 120


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return sample_records(N, seed=3)


@pytest.fixture
def tasks(tmp_path: Path, records: list[dict[str, Any]]) -> Path:
    path = tmp_path / "tasks.jsonl"
    path.write_text("".join(extjson.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _ids(out: str) -> list[str]:
    return [extjson.loads(line)["msg_id"] for line in out.splitlines()]


# --- sort order ------------------------------------------------------------------------------


def _sorted_values(docs: list[dict[str, Any]], spec: str) -> list[Any]:
    rows = sort_rows(docs, [parse_sort(spec)], record=lambda d: d)
    return [d.get("a", "missing") for d in rows]


def test_sort_follows_mongodb_across_types() -> None:
    when = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    docs = [{"a": v} for v in ["b", 2, True, None, when, {"x": 1}, 1.5, "a", False]] + [{}]
    assert _sorted_values(docs, "a") == [
        None, "missing", 1.5, 2, "a", "b", {"x": 1}, False, True, when,
    ]  # fmt: skip
    assert _sorted_values(docs, "a:desc") == [
        when, True, False, {"x": 1}, "b", "a", 2, 1.5, None, "missing",
    ]  # fmt: skip


def test_sort_arrays_by_min_ascending_and_max_descending() -> None:
    """MongoDB's example (DOCS-2760): {} {a: 1} {a: []} {a: [1]} {a: [0, 1]}."""
    docs = [{}, {"a": 1}, {"a": []}, {"a": [1]}, {"a": [0, 1]}]
    assert _sorted_values(docs, "a") == [[], "missing", [0, 1], 1, [1]]
    assert _sorted_values(docs, "a:desc") == [1, [1], [0, 1], "missing", []]


def test_sort_is_stable_and_multi_key() -> None:
    docs = [{"a": 1, "b": 2, "i": 0}, {"a": 0, "b": 1, "i": 1}, {"a": 1, "b": 1, "i": 2}]
    rows = sort_rows(docs, [parse_sort("a:desc"), parse_sort("b")], record=lambda d: d)
    assert [d["i"] for d in rows] == [2, 0, 1]
    assert [d["i"] for d in sort_rows(docs, [parse_sort("x")], record=lambda d: d)] == [0, 1, 2]
    with pytest.raises(ValueError):
        parse_sort("a:sideways")


def test_query_sort_skip_limit(
    tasks: Path, records: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    done = [r for r in records if r["completed"] is not None]
    want = sorted(done, key=lambda r: r["completed"], reverse=True)[5:12]
    status, out, _ = run(
        ["query", str(tasks), "completed != null", "--sort", "completed:desc", "--skip", "5",
         "--limit", "7", "--format", "jsonl"],
        capsys,
    )  # fmt: skip
    assert status == 0 and _ids(out) == [r["msg_id"] for r in want]
    status, out, _ = run(
        ["query", str(tasks), "completed != null", "--skip", "5", "--limit", "7"], capsys
    )
    assert out.splitlines()[-1] == f"(showing 6-12 of {len(done)} matches among {N} records)"
    status, out, _ = run(
        ["query", str(tasks), "completed != null", "--skip", "5", "--count"], capsys
    )
    assert out == f"{len(done) - 5}\n"


def test_count_by(tasks: Path, records: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]):
    status, out, _ = run(
        ["query", str(tasks), "true", "--count-by", "result_header.status"], capsys
    )
    statuses = [(r["result_header"] or {}).get("status") for r in records]
    want = sorted({s: statuses.count(s) for s in statuses}.items(), key=lambda kv: -kv[1])
    lines = out.splitlines()
    assert lines[0].split() == ["result_header.status", "count"]
    assert [line.split() for line in lines[2:]] == [[s or "null", str(c)] for s, c in want]
    status, out, _ = run(
        ["query", str(tasks), "true", "--count-by", "result_header.status", "--format", "jsonl"],
        capsys,
    )
    assert [json.loads(line) for line in out.splitlines()] == [
        {"_id": s, "count": c} for s, c in want
    ]


def test_count_by_groups_as_mongodb() -> None:
    docs = [{"a": 1}, {"a": 1.0}, {"a": "1"}, {}, {"a": None}, {"a": [1, 2]}, {"a": [1, 2]}]
    assert count_by(docs, "a") == [(None, 2), (1, 2), ([1, 2], 2), ("1", 1)]


# --- projection with dotted keys ------------------------------------------------------------


def test_dotted_keys_in_table_and_json(
    tasks: Path, records: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    first = records[0]
    argv = ["query", str(tasks), f'msg_id == "{first["msg_id"]}"', "--keys", "header.msg_type"]
    status, out, _ = run(argv, capsys)
    assert out.splitlines()[0].split() == ["msg_id", "header.msg_type"]
    assert out.splitlines()[2].split() == [first["msg_id"], first["header"]["msg_type"]]
    status, out, _ = run([*argv, "--format", "json"], capsys)
    assert json.loads(out) == [
        {"msg_id": first["msg_id"], "header": {"msg_type": first["header"]["msg_type"]}}
    ]


def test_projection_is_mongodb_projection() -> None:
    doc = {"_": 0, "a": {"b": 1, "c": 2}, "l": [{"b": 3, "c": 4}, 5, {"c": 6}], "id": 7}
    assert project(doc, ["a.b", "l.b"], "id") == {"a": {"b": 1}, "l": [{"b": 3}, {}], "id": 7}
    assert project(doc, ["a", "a.b"], None) == {"a": {"b": 1, "c": 2}}
    assert project(doc, ["nope.x"], None) == {}


def test_keys_accept_commas_and_a_swallowed_query_is_named(
    tasks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(["query", str(tasks), "true", "--keys", "engine_uuid,submitted"], capsys)
    assert out.splitlines()[0].split() == ["msg_id", "engine_uuid", "submitted"]
    status, out, err = run(["query", str(tasks), "--keys", "a", "b", "completed == null"], capsys)
    assert status == 2 and out == ""
    assert "the query 'completed == null' was taken as a --keys value" in err
    status, out, _ = run(
        ["query", str(tasks), "--count", "--keys", "engine_uuid", "--", "completed == null"],
        capsys,
    )
    assert status == 0


@pytest.mark.parametrize(
    ("argv", "suggestion"),
    [
        (["query", "f", "true", "--limt", "3"], "did you mean --limit?"),
        (["query", "f", "true", "--sortt", "a"], "did you mean --sort?"),
        (["qeury"], "did you mean 'query'?"),
        (["query", "f", "true", "--format", "jsn"], "did you mean 'json'?"),
    ],
)
def test_usage_errors_suggest(
    argv: list[str], suggestion: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(argv, capsys)
    assert (status, out) == (2, "")
    assert err.rstrip().endswith(suggestion) and "usage: taskdb" in err


# --- tables, width, colour ------------------------------------------------------------------------


def test_table_fits_the_width() -> None:
    rows = [
        [f"{i:08x}-aaaa-bbbb-cccc-dddddddddddd", "2024-01-01 12:00:00.000", "ok"] for i in range(3)
    ]
    wide = table_text(["msg_id", "submitted", "status"], rows)
    assert max(len(line) for line in wide.splitlines()) == 36 + 2 + 23 + 2 + 6
    narrow = table_text(["msg_id", "submitted", "status"], rows, width=50)
    lines = narrow.splitlines()
    assert max(len(line) for line in lines) <= 50
    assert "2024-01-01 12:00:00.000" in lines[2]  # words with spaces keep their width...
    assert "…" in lines[2].split()[0]  # ...the id is cut instead
    tiny = table_text(["msg_id", "submitted", "status"], rows, width=25)
    assert all(len(line) <= 25 for line in tiny.splitlines()[:-1])
    assert tiny.splitlines()[-1].startswith("(1 more columns not shown: status")


def test_query_table_is_not_cut_in_a_pipe(
    tasks: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    monkeypatch.setenv("COLUMNS", "70")  # argparse's; a pipe has no width to fit
    status, out, _ = run(["query", str(tasks), "true", "--limit", "3"], capsys)
    assert max(len(line) for line in out.splitlines()) > 120


class _Tty:
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_tty_and_not_with_no_color(monkeypatch: Any) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(_Tty()) is True  # type: ignore[arg-type]
    assert use_color(open(__file__)) is False  # noqa: SIM115 - a file is no TTY
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(_Tty()) is False  # type: ignore[arg-type]
    assert use_color(_Tty(), "always") is True  # type: ignore[arg-type]
    monkeypatch.setenv("NO_COLOR", "")  # empty: as if unset (no-color.org)
    assert use_color(_Tty()) is True  # type: ignore[arg-type]
    table = table_text(["a"], [[None]], style=Style(True))
    assert "\x1b[" in table and "\x1b[" not in table_text(["a"], [[None]])


def test_query_colour_flag(tasks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["query", str(tasks), "true", "--limit", "1"], capsys)
    assert "\x1b[" not in out  # captured output is no terminal
    status, out, _ = run(["query", str(tasks), "true", "--limit", "1", "--color", "always"], capsys)
    assert "\x1b[1;36mmsg_id" in out


# --- explain and hints ----------------------------------------------------------------------------


def test_explain_shows_the_mongo_form_as_extended_json(capsys: pytest.CaptureFixture[str]):
    status, out, _ = run(["explain", "submitted >= 2024-01-01T00:00:00Z and a =~ /x/i"], capsys)
    mongo = re.search(r"^mongo: +(.*)$", out, re.M)
    assert status == 0 and mongo is not None
    assert json.loads(mongo.group(1)) == {
        "submitted": {"$gte": {"$date": "2024-01-01T00:00:00.000Z"}},
        "a": {"$regex": "x", "$options": "i"},
    }
    assert "datetime.datetime(" not in mongo.group(1)


def test_type_hint_for_a_date_compared_with_a_string(
    tasks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(["explain", 'submitted > "2024-01-01"', str(tasks)], capsys)
    hints = out.split("\nhints:\n", 1)[1]
    assert "field submitted holds dates in this data" in hints
    assert "did you mean 2024-01-01T00:00:00Z?" in hints
    status, out, err = run(["query", str(tasks), 'submitted > "2024-01-01"'], capsys)
    assert (status, out) == (0, f"(0 matches among {N} records)\n")
    assert err.startswith("taskdb: hint: field submitted holds dates in this data")
    status, out, _ = run(["explain", '{"submitted": {"$gt": "2024-01-01"}}', str(tasks)], capsys)
    assert 'did you mean {"$date": "2024-01-01T00:00:00.000Z"}?' in out


def test_type_hints_for_numbers_and_missing_fields(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "n.jsonl"
    path.write_text('{"n": 1, "s": "x"}\n{"n": 2, "s": "y"}\n', encoding="utf-8")
    status, out, _ = run(["explain", 'n >= "2" and s == 3 and nn == 1', str(path)], capsys)
    hints = out.split("\nhints:\n", 1)[1].splitlines()
    assert hints == [
        '  field n holds numbers in this data, so n >= "2" (a string) matches nothing; '
        "did you mean 2?",
        "  field s holds strings in this data, so s == 3 (a number) matches nothing; "
        'did you mean "3"?',
        "  no record here has a field nn; did you mean n?",
    ]
    status, out, _ = run(["explain", 'n >= 1 and s == "x"', str(path)], capsys)
    assert "hints:" not in out


def test_two_fields_compared_get_their_own_hint(
    tasks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (["explain", "started < submitted"], ["query", str(tasks), "started < submitted"]):
        status, out, err = run(argv, capsys)
        assert (status, out) == (1, "")
        assert "started < submitted compares two fields" in err
        assert "strings need double quotes" not in err
    status, out, err = run(["explain", "status == ok"], capsys)
    assert 'strings need double quotes: "ok"' in err  # a bare word, not a field: quotes


def test_dictdb_answers_unchanged(tasks: Path, records: list[dict[str, Any]], capsys: Any):
    db = DictDB(record_limit=10_000)
    for rec in records:
        db.add_record(rec["msg_id"], dict(rec))
    q = '{"header.msg_type": {"$regex": "^exec"}}'
    status, out, _ = run(["query", str(tasks), q, "--format", "jsonl"], capsys)
    assert _ids(out) == [r["msg_id"] for r in db.find_records(json.loads(q))]
