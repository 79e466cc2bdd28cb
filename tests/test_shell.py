"""``taskdb shell`` in-process: its commands over piped lines, paging, errors with a caret,
hints; the completer and highlighter on their own."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from querylang.frontends import extjson
from taskdb import DictDB
from taskdb.cli import main
from taskdb.cli.shell import Shell
from taskdb.cli.shell_ui import QueryCompleter, field_values, tokens
from taskdb.cli.sources import Source, build_db
from taskdb.samples import sample_records

N = 150


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return sample_records(N, seed=5)


@pytest.fixture(scope="module")
def source(records: list[dict[str, Any]]) -> Source:
    return Source(build_db(records), "test", id_field="msg_id", tasks=True, size=N)


@pytest.fixture(scope="module")
def db(records: list[dict[str, Any]]) -> DictDB:
    db = DictDB(record_limit=10_000)
    for rec in records:
        db.add_record(rec["msg_id"], dict(rec))
    return db


def shell_run(source: Source, script: str, **kwargs: Any) -> tuple[int, str, Shell]:
    out = io.StringIO()
    shell = Shell(source, out, **kwargs)
    status = shell.run(script.splitlines())
    return status, out.getvalue(), shell


def test_queries_and_settings(source: Source, db: DictDB) -> None:
    status, out, shell = shell_run(
        source,
        ".keys submitted header.msg_type\n.sort submitted:desc\n.limit 2\n.format jsonl\n"
        "completed == null\n.show\n",
    )
    assert status == 0
    lines = out.splitlines()
    assert lines[:4] == [
        "keys: submitted, header.msg_type",
        "sort: submitted:desc",
        "limit: 2",
        "format: jsonl",
    ]
    pending = sorted(db.find_records({"completed": None}), key=lambda r: r["submitted"])
    got = [extjson.loads(line) for line in lines[4:6]]
    assert got == [
        {"msg_id": r["msg_id"], "header": {"msg_type": r["header"]["msg_type"]},
         "submitted": r["submitted"]}
        for r in pending[::-1][:2]
    ]  # fmt: skip
    assert "keys:   submitted, header.msg_type" in out and "limit:  2" in out


def test_count_count_by_and_explain(source: Source, db: DictDB) -> None:
    status, out, _ = shell_run(
        source,
        ".count completed == null\n.count-by header.msg_type completed == null\n"
        '.explain {"completed": null}\n',
    )
    pending = db.find_records({"completed": None})
    lines = out.splitlines()
    assert lines[0] == str(len(pending))
    assert lines[1].split() == ["header.msg_type", "count"]
    types = [r["header"]["msg_type"] for r in pending]
    assert {tuple(line.split()) for line in lines[3:3 + len(set(types))]} == {
        (t, str(types.count(t))) for t in set(types)
    }  # fmt: skip
    assert 'mongo:     {"completed": null}' in out and "\nplan:\n" in out


def test_paging_with_it(source: Source, db: DictDB) -> None:
    status, out, _ = shell_run(source, "true\nit\nit\nit\n", interactive=True, page_size=lambda: 60)
    footers = [line for line in out.splitlines() if line.startswith("(")]
    assert footers == [
        f"(showing 60 of {N} matches among {N} records)",
        f"(showing 61-120 of {N} matches among {N} records)",
        f"(showing 121-150 of {N} matches among {N} records)",
    ]
    assert out.count('Type "it" for more') == 2
    assert out.rstrip().endswith("no more results")
    ids = [
        m.group()
        for line in out.splitlines()
        if (m := re.match(r"[0-9a-f]{8}-[0-9a-f-]{27}", line))
    ]
    assert ids == [r["msg_id"] for r in db.find_records({})]


def test_errors_have_a_caret_under_the_input(source: Source) -> None:
    prompt = "taskdb> "
    status, out, _ = shell_run(source, "  completed == == 1\n", interactive=True)
    caret, message = out.splitlines()[:2]
    assert caret == " " * (len(prompt) + len("  completed == ")) + "^"
    assert message == "error: unexpected '=='"
    status, out, _ = shell_run(source, ".count a == \n", interactive=True)
    assert out.splitlines()[0] == " " * (len(prompt) + len(".count a ==")) + "^"
    assert status == 1


def test_piped_errors_go_to_stderr_and_fail(source: Source, capsys: Any) -> None:
    status, out, _ = shell_run(source, "completed ==\n.bogus\n.count true\n")
    err = capsys.readouterr().err
    assert status == 1 and out == f"{N}\n"
    assert "error: line 1, column" in err and "unknown command .bogus" in err


def test_hints_and_two_fields(source: Source) -> None:
    status, out, _ = shell_run(
        source, 'submitted > "2024-01-01"\nstarted < submitted\n', interactive=True
    )
    assert "hint: field submitted holds dates in this data" in out
    assert "did you mean 2024-01-01T00:00:00Z?" in out
    assert "started < submitted compares two fields" in out


def test_shell_command_reads_piped_lines(tmp_path: Path, capsys: Any, monkeypatch: Any) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}\n{"a": 3}\n', encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO(".format jsonl\na >= 2\n.quit\na == 1\n"))
    assert main(["shell", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "format: jsonl" and [json.loads(x) for x in out[1:]] == [{"a": 2}, {"a": 3}]


# --- completion and highlighting ------------------------------------------------------------


def _complete(completer: QueryCompleter, text: str) -> list[str]:
    doc = Document(text, len(text))
    return [
        c.text for c in completer.get_completions(doc, CompleteEvent(completion_requested=True))
    ]


def test_completion(source: Source) -> None:
    sample = source.sample()
    fields = Shell(source, io.StringIO()).fields
    completer = QueryCompleter(fields, field_values(sample, fields))
    assert "header.msg_type" in _complete(completer, "header.m")
    assert _complete(completer, "compl") == ["completed"]
    assert _complete(completer, "completed ")[:3] == ["==", "!=", "<"]
    assert "exists" in _complete(completer, "completed ")
    assert _complete(completer, 'header.msg_type == "exe') == ['"execute_request"']
    assert "null" in _complete(completer, "completed == ")
    assert _complete(completer, "completed == null a") == ["and"]
    assert _complete(completer, ".ex") == [".explain", ".exit"]
    assert _complete(completer, ".keys head") == [
        "header",
        *[f for f in fields if f.startswith("header.")],
    ]
    assert _complete(completer, '{"completed": {"$n') == ["$ne", "$nin", "$nor", "$not"]


def test_highlighting_tokens() -> None:
    kinds = [
        k for k, _ in tokens('a.b == "x" and n >= 2.5 or t < 2024-01-01T00:00:00Z and r =~ /x/i')
    ]
    assert [k for k in kinds if k != "space"] == [
        "field", "operator", "string", "keyword", "field", "operator", "number", "keyword",
        "field", "operator", "date", "keyword", "field", "operator", "regex",
    ]  # fmt: skip
    assert [k for k, _ in tokens(".count a == 1")][0] == "meta"
    assert [k for k, _ in tokens('a == "unfinished')][-1] == "string"
