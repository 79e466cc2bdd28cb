"""What a query becomes on its way to a predicate, as one object: :class:`Explanation`.

``querylang.explain(q)`` and ``Query.explain()`` return it.  Its fields are for programs (a
CLI, a database's own explain, tests); ``str()`` is for people: the canonical text, the
MongoDB filter as Extended JSON, the AST, the optimizer passes that changed it, the
optimized AST and the generated Python source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import nodes as n
from .compile import generate_source
from .frontends import extjson
from .optimizer import explain_passes
from .printer import to_text
from .to_dict import to_dict

__all__ = ["Explanation"]


@dataclass(frozen=True)
class Explanation:
    """One query explained: every stage, from the text to the generated source."""

    #: The canonical text of the query (``parse(text)`` gives ``ast`` back).
    text: str
    #: The MongoDB filter document (Python values: datetimes, Regex, bytes, ...).
    mongo: dict[str, Any]
    #: The AST as the front end built it.
    ast: n.Node
    #: The AST the compiler runs, after the optimizer.
    optimized: n.Node
    #: ``(pass name, tree after it)`` for each optimizer pass that changed the tree, in order.
    passes: tuple[tuple[str, n.Node], ...]
    #: The commented Python source of the compiled predicate.
    source: str

    @classmethod
    def of(cls, ast: n.Node, optimized: n.Node) -> Explanation:
        """Explain ``ast``, whose optimized form (``Query.optimized``) is ``optimized``."""
        return cls(
            text=to_text(ast),
            mongo=to_dict(ast),
            ast=ast,
            optimized=optimized,
            passes=tuple(explain_passes(ast)),
            source=generate_source(optimized),
        )

    def mongo_text(self) -> str:
        """The filter as Extended JSON text (a Python repr if a literal has no JSON form)."""
        try:
            return extjson.dumps(self.mongo)
        except (TypeError, ValueError):  # e.g. a literal document shaped like {"$date": ..}
            return repr(self.mongo)

    def summary(self) -> str:
        """Every stage but the generated source, one line each."""
        passes = ", ".join(name for name, _ in self.passes) or "none changed the query"
        return "\n".join(
            [
                "query:     " + self.text,
                "mongo:     " + self.mongo_text(),
                "ast:       " + repr(self.ast),
                "passes:    " + passes,
                "optimized: " + to_text(self.optimized),
                "opt. ast:  " + repr(self.optimized),
            ]
        )

    def __str__(self) -> str:
        return f"{self.summary()}\ngenerated source:\n{self.source}"
