"""Front ends: every way a query reaches the AST.

- :mod:`.from_dict`: a MongoDB filter document (Python dicts) -> AST;
- :mod:`.extjson`: MongoDB Extended JSON values <-> Python values;
- :mod:`.text`: query text (the textual language, or Mongo-style JSON text) -> AST, through
  the Lark grammar in ``grammar/query.lark``.

Each front end gives the identical tree for the same query.
"""

from .from_dict import from_dict
from .text import parse_text

__all__ = ["from_dict", "parse_text"]
