"""The PostgreSQL (jsonb) dialect, as text (tests/test_postgresdb*.py and the conformance
suite run it on a live server through PostgresDB).

Checked here: every value and JSON path is a psycopg parameter (``%(pN)s``, no other ``%``
in the text), shadows use flag columns (typed columns hold no sentinel), strings compare with
``COLLATE "C"``, float operands are exact Decimals, and what jsonb cannot express exactly
(int vs double, glob classes) is left to the residual.
"""

from __future__ import annotations

import decimal
import json
import re
from datetime import UTC, datetime

import pytest
from hypothesis import given

import querylang
from querylang.sql import POSTGRES, SQLITE, Layout, Shadow, describe, to_sql
from querylang.strategies import dict_queries

PG = Layout(
    doc="doc",
    irregular="irregular",
    shadows=(
        Shadow("msg_id", "msg_id", "text", flag="msg_id_odd"),
        Shadow("client_uuid", "client_uuid", "text", flag="client_uuid_odd"),
        Shadow("submitted", "submitted", "date", flag="submitted_odd"),
    ),
)
PLACEHOLDER = re.compile(r"%\((p\d+)\)s")


def check_text(q: object) -> tuple[str, str, dict]:
    f = to_sql(q, PG, POSTGRES)
    for sql in (f.where, f.certain):
        names = PLACEHOLDER.findall(sql)
        assert set(names) <= set(f.params), (sql, f.params)
        assert "%" not in PLACEHOLDER.sub("", sql), sql  # a bare % breaks psycopg
        assert "X'00'" not in sql and ":p" not in sql
    return f.where, f.certain, f.params


@given(dict_queries(fields=["msg_id", "client_uuid", "submitted", "a"]))
def test_every_filter_is_parameterized(q: dict) -> None:
    check_text(q)


def test_shadow_equality_uses_the_flag() -> None:
    where, certain, params = check_text({"client_uuid": "c1", "completed": None})
    assert '("client_uuid_odd" = 1 OR "client_uuid" COLLATE "C" = %(p0)s)' in where
    assert '"client_uuid_odd" IS NULL' in certain
    assert "jsonb_typeof" in where and params["p0"] == "c1"
    assert params["p1"] == ["completed"]  # a text[] path


def test_json_paths_and_types() -> None:
    where, _, params = check_text({"header.msg_type": {"$gt": "apply"}, "n": {"$gt": 1.5}})
    (p,) = [k for k, v in params.items() if v == ["header", "msg_type"]]
    text = f'CASE WHEN jsonb_typeof("doc" #> %({p})s) = \'string\' THEN "doc" #>> %({p})s END'
    assert text in where and "::numeric" in where
    assert decimal.Decimal(1.5) in params.values()  # exact, never through float8
    assert '"irregular" @> ARRAY[%(' in where  # needles in a GIN-indexed text[]
    assert "|header.msg_type|" in params.values()


def test_string_equality_is_jsonb_containment() -> None:
    """``doc @> '{"a":{"b":"x"}}'``: the GIN index answers it; exact on regular rows."""
    where, certain, params = check_text({"header.msg_type": "apply_request"})
    (p,) = [k for k, v in params.items() if v == '{"header":{"msg_type":"apply_request"}}']
    assert f'"doc" @> %({p})s::jsonb' in where
    assert '"irregular" @> ARRAY[' in where and "NOT (" in certain
    where, _, params = check_text({"a": {"$in": ["x", "日本"]}})
    assert where.count("@>") == 3 and '{"a":"日本"}' in params.values()


def test_dates_and_prefixes() -> None:
    t = datetime(2024, 1, 1, tzinfo=UTC)
    where, _, params = check_text({"submitted": {"$gte": t}, "h.d": {"$lt": t}})
    (p,) = [k for k, v in params.items() if v == t]  # timestamptz column: an aware datetime
    assert f'"submitted" >= %({p})s' in where
    assert ["h", "d", "$date"] in params.values()
    where, _, params = check_text({"label": {"$regex": "^grp"}})
    assert 'COLLATE "C" >=' in where and "grp" in params.values() and "grq" in params.values()


def test_what_jsonb_cannot_say_is_left_to_the_residual() -> None:
    f = to_sql({"a": {"$type": "int"}}, PG, POSTGRES)
    assert f.where == "TRUE" and not f.exact
    assert to_sql({"a": {"$type": "int"}}, PG, SQLITE).exact
    g = to_sql({"label": {"$glob": "a[bc]*"}}, PG, POSTGRES)
    assert not g.exact and "LIKE" not in g.where
    h = to_sql({"label": {"$glob": "a_*%?"}}, PG, POSTGRES)
    assert h.exact and "LIKE" in h.where and "a\\_%\\%_" in h.params.values()


@pytest.mark.parametrize("name", ["'; DROP TABLE t; --", 'a"b', "w$here", "x%s", "%(evil)s"])
def test_hostile_names_stay_parameters(name: str) -> None:
    where, certain, params = check_text({f"a.{name}": name, name: {"$ne": 1}})
    for sql in (where, certain):
        assert name not in sql
    assert [name] in params.values()  # a path, and the value inside a containment pattern
    assert json.dumps({"a": {name: name}}, separators=(",", ":")) in params.values()


def test_explain_names_the_dialect() -> None:
    text = describe(to_sql(querylang.parse('client_uuid == "c"'), PG, POSTGRES))
    assert "sql (postgresql):" in text and "%(p0)s" in text
