"""``taskdb shell``: queries typed at a prompt, as in mongosh or sqlite3.

A line is a query (the textual language or Mongo JSON), ``it`` for the next page (as in
mongosh), or a meta command starting with ``.`` (as in sqlite3): ``.keys``, ``.limit``,
``.sort``, ``.format``, ``.count``, ``.count-by``, ``.explain``, ``.fields``, ``.show``,
``.help``, ``.quit``.  On a terminal the prompt is prompt_toolkit's (shell_ui.py); with
input from a pipe, lines are read one by one with no prompt and no paging, and the exit
status is 1 if any line failed (as sqlite3 does).
"""

from __future__ import annotations

import difflib
import sys
import textwrap
from collections.abc import Callable, Iterable
from typing import IO

import querylang
from querylang import QueryError

from .answers import FORMATS, Answer, View, answer, counts, footer, write_answer, write_counts
from .args import split_keys
from .errors import CommandError
from .hints import field_paths, improve_error, type_hints
from .output import Style, use_color
from .plans import explain_text
from .results import parse_sort
from .sources import Row, Source

__all__ = ["Shell", "run_shell", "META_COMMANDS", "PROMPT"]

PROMPT = "taskdb> "

META_COMMANDS = {
    ".help": "this help",
    ".keys": ".keys [FIELD ...]   show these fields (dotted paths); none: the default columns",
    ".limit": ".limit [N]          show at most N records; none: no limit",
    ".sort": ".sort [FIELD[:desc] ...]  sort in MongoDB's order; none: the database's order",
    ".format": ".format table|json|jsonl",
    ".count": ".count QUERY        the number of matches",
    ".count-by": ".count-by FIELD [QUERY]  the matches counted by FIELD's value",
    ".explain": ".explain QUERY      the Mongo form, plan, generated code and type hints",
    ".fields": "the field names seen in the data",
    ".show": "the current settings",
    ".quit": "leave (also .exit, Ctrl-D)",
    ".exit": "leave",
}

_HELP = """\
Type a query and press Enter:  completed == null and header.msg_type =~ /^apply/
  or Mongo JSON:               {"completed": null}
Large answers come a page at a time: type it for more.  Tab completes field names,
operators and keywords; the arrow keys walk the history.
"""


class _Placed(Exception):
    """A query error, and where the query starts in the input line."""

    def __init__(self, error: QueryError, text: str, offset: int) -> None:
        super().__init__(str(error))
        self.error, self.text, self.offset = error, text, offset


class Shell:
    """The shell's state (settings, the answer being paged) and its commands."""

    def __init__(
        self,
        source: Source,
        out: IO[str],
        *,
        interactive: bool = False,
        width: Callable[[], int | None] = lambda: None,
        page_size: Callable[[], int | None] = lambda: None,
        style: Style | None = None,
        prompt: str = PROMPT,
    ) -> None:
        self.source = source
        self.out = out
        self.interactive = interactive
        self.width = width
        self.page_size = page_size
        self.style = style or Style(False)
        self.prompt = prompt
        self.view = View()
        self.failed = False
        self.fields = field_paths(source.sample())
        self._sample = source.sample()
        self._pending: tuple[Answer, list[Row], int] | None = None

    # --- the loop ---------------------------------------------------------------------------

    def run(self, lines: Iterable[str]) -> int:
        """Run each line (a pipe's input, a test's script); 1 if any failed."""
        for line in lines:
            if not self.handle(line):
                break
        return 1 if self.failed else 0

    def handle(self, line: str) -> bool:
        """Run one line of input; False when it asks to leave."""
        text = line.strip()
        if not text or text.startswith("//"):
            return True
        offset = line.index(text)
        try:
            if text == "it":
                self._more()
            elif text.startswith("."):
                return self._meta(text, offset)
            else:
                self._query(text, offset)
        except _Placed as placed:
            self._query_error(placed.error, placed.text, placed.offset)
        except CommandError as exc:
            self.error(str(exc))
        except KeyboardInterrupt:
            self.out.write("(interrupted)\n")
        return True

    # --- output -----------------------------------------------------------------------------

    def error(self, message: str) -> None:
        self.failed = True
        stream = self.out if self.interactive else sys.stderr
        stream.write(f"{self.style('error', 'error:')} {message}\n")

    def note(self, message: str) -> None:
        self.out.write(message + "\n")

    def _query_error(self, exc: QueryError, text: str, offset: int) -> None:
        """Report a query error; ``offset``: where ``text`` starts in the input line."""
        exc = improve_error(exc, text, self.fields)
        if not (self.interactive and exc.line == 1 and exc.column is not None):
            self.error(str(exc))
            return
        # The input line is on the screen just above: put the caret under it.
        self.failed = True
        caret = " " * (len(self.prompt) + offset + exc.column - 1) + "^"
        lines = [self.style("error", caret), f"{self.style('error', 'error:')} {exc.message}"]
        if exc.hint:
            lines.append(self._wrap(exc.hint, "  "))
        if exc.expected:
            lines.append(self._wrap("expected one of: " + ", ".join(exc.expected), "  ", "  "))
        self.out.write("\n".join(lines) + "\n")

    def _wrap(self, text: str, indent: str, more: str | None = None) -> str:
        """``text`` folded to the terminal's width (a pipe: one line)."""
        width = self.width()
        if width is None:
            return indent + text
        more = indent if more is None else indent + more
        return textwrap.fill(text, width - 1, initial_indent=indent, subsequent_indent=more)

    def _hints(self, query: querylang.Query, text: str) -> None:
        for hint in type_hints(query, self._sample, text.lstrip().startswith("{")):
            self.out.write(self.style("hint", self._wrap(f"hint: {hint}", "", "  ")) + "\n")

    # --- queries ----------------------------------------------------------------------------

    def _parse(self, text: str, offset: int) -> querylang.Query:
        if not text.strip():
            raise CommandError("a query is needed here")
        try:
            return querylang.parse(text)
        except QueryError as exc:
            raise _Placed(exc, text, offset) from None

    def _query(self, text: str, offset: int) -> None:
        query = self._parse(text, offset)
        view = View(self.view.keys, self.view.sort, 0, self.view.limit, self.view.format)
        ans = answer(self.source, query, view)
        self._pending = (ans, ans.rows, 0)
        self._page()
        self._hints(query, text)

    def _more(self) -> None:
        if self._pending is None:
            self.note("no more results")
            return
        self._page()

    def _page(self) -> None:
        assert self._pending is not None
        ans, rows, start = self._pending
        size = self.page_size() if self.interactive else None
        end = len(rows) if size is None else min(len(rows), start + size)
        page = rows[start:end]
        write_answer(
            self.out, self.source, ans, self.view, width=self.width(), style=self.style, rows=page
        )
        if self.view.format == "table":
            shown = Answer(ans.total, page, start, ans.size)
            self.note(self.style("dim", footer(shown, len(page))))
        if end < len(rows):
            self._pending = (ans, rows, end)
            self.note('Type "it" for more')
        else:
            self._pending = None

    # --- meta commands ----------------------------------------------------------------------

    def _meta(self, text: str, offset: int) -> bool:
        name, _, rest = text.partition(" ")
        rest = rest.strip()
        arg_offset = offset + text.index(rest) if rest else offset + len(text)
        if name in (".quit", ".exit", ".q"):
            return False
        handlers: dict[str, Callable[[str], None]] = {
            ".help": self._help,
            ".keys": self._keys,
            ".limit": self._limit,
            ".sort": self._sort,
            ".format": self._format,
            ".fields": lambda _: self.note("\n".join(self.fields) or "(no fields)"),
            ".show": lambda _: self._show(),
        }
        handler = handlers.get(name)
        if handler is not None:
            handler(rest)
        elif name == ".count":
            self._count(rest, arg_offset)
        elif name == ".count-by":
            self._count_by(rest, arg_offset)
        elif name == ".explain":
            self._explain(rest, arg_offset)
        else:
            close = difflib.get_close_matches(name, list(META_COMMANDS), n=1, cutoff=0.6)
            maybe = f"; did you mean {close[0]}?" if close else "; .help lists them"
            self.error(f"unknown command {name}{maybe}")
        return True

    def _help(self, _: str) -> None:
        self.out.write(_HELP)
        for name, text in META_COMMANDS.items():
            if name != ".exit":
                usage = text if text.startswith(name) else f"{name:<19} {text}"
                self.note("  " + usage)

    def _show(self) -> None:
        keys = ", ".join(self.view.keys) if self.view.keys else "(default)"
        sort = ", ".join(str(k) for k in self.view.sort) or "(none)"
        limit = "(none)" if self.view.limit is None else str(self.view.limit)
        self.note(f"source: {self.source.label}")
        self.note(f"keys:   {keys}\nsort:   {sort}\nlimit:  {limit}\nformat: {self.view.format}")

    def _keys(self, rest: str) -> None:
        self.view.keys = split_keys(rest.split()) if rest else None
        self.note(f"keys: {', '.join(self.view.keys) if self.view.keys else '(default)'}")

    def _limit(self, rest: str) -> None:
        if rest in ("", "none", "off"):
            self.view.limit = None
        elif rest.isdigit():
            self.view.limit = int(rest)
        else:
            raise CommandError(f".limit takes a whole number, not {rest!r}")
        self.note(f"limit: {self.view.limit if self.view.limit is not None else '(none)'}")

    def _sort(self, rest: str) -> None:
        if rest in ("", "none", "off"):
            self.view.sort = []
        else:
            try:
                self.view.sort = [parse_sort(word) for word in rest.replace(",", " ").split()]
            except ValueError as exc:
                raise CommandError(f".sort: {exc}") from None
        self.note(f"sort: {', '.join(str(k) for k in self.view.sort) or '(none)'}")

    def _format(self, rest: str) -> None:
        if rest:
            if rest not in FORMATS:
                raise CommandError(f".format: one of {', '.join(FORMATS)}, not {rest!r}")
            self.view.format = rest
        self.note(f"format: {self.view.format}")

    def _count(self, rest: str, offset: int) -> None:
        query = self._parse(rest, offset)
        self.note(str(len(self.source.find(query))))

    def _count_by(self, rest: str, offset: int) -> None:
        field_name, _, query_text = rest.partition(" ")
        if not field_name:
            raise CommandError(".count-by needs a FIELD (and a query: all records without)")
        query_offset = offset + len(field_name) + 1 + len(query_text) - len(query_text.lstrip())
        query_text = query_text.strip() or "true"
        query = self._parse(query_text, query_offset)
        groups = counts(self.source, query, field_name)
        fmt = self.view.format
        write_counts(self.out, groups, field_name, fmt, width=self.width(), style=self.style)

    def _explain(self, rest: str, offset: int) -> None:
        query = self._parse(rest, offset)
        hints = type_hints(query, self._sample, rest.lstrip().startswith("{"))
        self.out.write(explain_text(query, self.source.db, hints))


def run_shell(source: Source) -> int:
    """The shell on a terminal (prompt_toolkit), or over piped lines."""
    try:
        if sys.stdin.isatty() and sys.stdout.isatty():
            from .shell_ui import interactive

            return interactive(source)
        shell = Shell(source, sys.stdout, style=Style(use_color(sys.stdout)))
        return shell.run(sys.stdin)
    finally:
        source.close()
