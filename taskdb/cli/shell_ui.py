"""The shell's terminal side, with prompt_toolkit: highlighting, completion, history, size.

History is kept in the user's data directory (platformdirs: ``~/.local/share/taskdb`` on
Linux, honouring ``XDG_DATA_HOME``), so the arrow keys and Ctrl-R reach earlier sessions.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.lexers import Lexer
from prompt_toolkit.styles import Style as PromptStyle

from .output import Style, use_color
from .shell import META_COMMANDS, PROMPT, Shell
from .sources import Source

__all__ = ["QueryLexer", "QueryCompleter", "history_path", "interactive", "tokens"]

KEYWORDS = (
    "and", "or", "not", "in", "all", "exists", "is", "glob", "elemMatch", "any", "nor",
    "size", "comment", "true", "false", "null", "NaN", "Infinity", "date", "decimal",
    "binary", "regex", "ago", "now",
)  # fmt: skip
#: What may follow a field name.
OPERATORS = ("==", "!=", "<", "<=", ">", ">=", "=~", "!~", "in", "not in", "all", "exists",
             "not exists", "is", "glob", "elemMatch")  # fmt: skip
MONGO_OPERATORS = (
    "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$all", "$exists", "$type",
    "$mod", "$size", "$regex", "$options", "$glob", "$elemMatch", "$and", "$or", "$nor",
    "$not", "$comment", "$date",
)  # fmt: skip

_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<string>"(?:[^"\\]|\\.)*"?)
    |(?P<date>\d{4}-\d\d-\d\d(?:T[\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?)
    |(?P<number>-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
    |(?P<regex>/(?:[^/\\\n]|\\.)*/?[imsxu]*)
    |(?P<operator>===|==|!=|<=|>=|=~|!~|<|>|%)
    |(?P<word>[A-Za-z_$][\w$]*(?:\.[\w$]+)*\.?)
    |(?P<punct>[()\[\]{},:])
    |(?P<other>.)""",
    re.VERBOSE,
)


def tokens(text: str) -> Iterator[tuple[str, str]]:
    """``(kind, text)`` of a line of shell input: meta, keyword, field, string, number,
    date, regex, operator, punct, space, other.  Never fails: partial input is fine."""
    pos = 0
    if text.lstrip().startswith("."):
        word = re.match(r"\s*\.[\w-]*", text)
        assert word is not None
        yield "meta", word.group()
        pos = word.end()
    for match in _TOKEN.finditer(text, pos):
        kind = match.lastgroup or "other"
        value = match.group()
        if kind == "word":
            kind = "keyword" if value in KEYWORDS else "field"
        yield kind, value


class QueryLexer(Lexer):
    """Colours for query text, by :func:`tokens`."""

    def lex_document(self, document: Document) -> Callable[[int], StyleAndTextTuples]:
        lines = document.lines

        def line(number: int) -> StyleAndTextTuples:
            if number >= len(lines):
                return []
            return [(f"class:{kind}", text) for kind, text in tokens(lines[number])]

        return line


STYLE = PromptStyle.from_dict(
    {
        "meta": "ansimagenta bold",
        "keyword": "ansiblue bold",
        "field": "",
        "string": "ansigreen",
        "number": "ansicyan",
        "date": "ansicyan",
        "regex": "ansiyellow",
        "operator": "ansired",
        "prompt": "bold",
    }
)


class QueryCompleter(Completer):
    """Field names seen in the data, operators after a field, keywords, meta commands,
    Mongo operators after ``$``, and a field's string values after an operator."""

    def __init__(self, fields: Sequence[str], values: dict[str, list[str]] | None = None) -> None:
        self.fields = list(fields)
        self.values = values or {}

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        before = document.text_before_cursor
        word_match = re.search(r'"[^"]*$|[\w.$]*$', before)
        word = word_match.group() if word_match else ""
        if word.startswith('"') and before[: len(before) - len(word)].count('"') % 2:
            word = re.search(r"[\w.$]*$", before).group()  # type: ignore[union-attr]
        head = before[: len(before) - len(word)]
        if before.lstrip().startswith(".") and " " not in before.lstrip():
            yield from _matching(before.lstrip(), META_COMMANDS, "meta command")
            return
        if before.lstrip().startswith(".") and re.match(r"\s*\.(keys|sort|count-by)\b", before):
            yield from _matching(word, self.fields, "field")
            return
        if word.lstrip('"').startswith("$"):  # Mongo JSON: {"a": {"$g
            yield from _matching(word.lstrip('"'), MONGO_OPERATORS, "Mongo operator")
            return
        previous = [t for t in tokens(head) if t[0] != "space" and t[0] != "meta"]
        last = previous[-1] if previous else None
        if last is not None and last[0] == "field" and not word:
            yield from _matching("", OPERATORS, "operator")
            return
        if last is not None and last[0] == "operator":
            field = next((t[1] for t in reversed(previous) if t[0] == "field"), "")
            quoted = [f'"{v}"' for v in self.values.get(field, [])]
            yield from _matching(word, ["null", "true", "false", *quoted], "value")
            return
        yield from _matching(word, self.fields, "field")
        yield from _matching(word, ("and", "or", "not", "nor(", "true", "false"), "keyword")


def _matching(word: str, choices: Iterable[str], meta: str) -> Iterator[Completion]:
    for choice in choices:
        if choice.startswith(word) and choice != word:
            yield Completion(choice, start_position=-len(word), display_meta=meta)


def field_values(records: Iterable[dict[str, Any]], fields: Sequence[str]) -> dict[str, list[str]]:
    """A few short string values of each field, for completion after ``field ==``."""
    from .results import path_values

    found: dict[str, dict[str, None]] = {}
    for rec in records:
        for field in fields:
            for value in path_values(rec, field):
                if isinstance(value, str) and len(value) <= 40 and '"' not in value:
                    seen = found.setdefault(field, {})
                    if len(seen) < 20:
                        seen.setdefault(value, None)
    return {field: list(values) for field, values in found.items()}


def history_path() -> Path:
    """Where the shell keeps its history: the user's data directory for taskdb."""
    import platformdirs

    return Path(platformdirs.user_data_dir("taskdb", appauthor=False)) / "shell_history"


def _history() -> History:
    path = history_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
    except OSError:
        return InMemoryHistory()  # a read-only home: history for this session only
    return FileHistory(str(path))


def interactive(source: Source) -> int:
    """The shell on a terminal: prompt, highlight, complete, page to the window's size."""
    import sys

    def width() -> int:
        return shutil.get_terminal_size().columns

    def page_size() -> int:
        # the input line, the table's header and rule, the footer, "it", the next prompt
        return max(5, shutil.get_terminal_size().lines - 7)

    shell = Shell(
        source,
        sys.stdout,
        interactive=True,
        width=width,
        page_size=page_size,
        style=Style(use_color(sys.stdout)),
    )
    sample = source.sample()
    completer = QueryCompleter(shell.fields, field_values(sample, shell.fields))
    session: PromptSession[str] = PromptSession(
        history=_history(),
        lexer=QueryLexer(),
        completer=completer,
        complete_while_typing=False,
        auto_suggest=AutoSuggestFromHistory(),
        style=STYLE,
        include_default_pygments_style=False,
    )
    size = f"{source.size} records" if source.size is not None else "records"
    print(f"taskdb shell: {size} from {source.label}. Type .help for help, Ctrl-D to leave.")
    while True:
        try:
            line = session.prompt(PROMPT)
        except KeyboardInterrupt:  # Ctrl-C: drop the line, as a shell does
            continue
        except EOFError:  # Ctrl-D
            break
        if not shell.handle(line):
            break
    return 0
