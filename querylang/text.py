"""STUB (to be replaced): text front end."""
import json

from . import nodes as n
from .errors import QueryError
from .from_dict import from_dict


def parse_text(text: str) -> n.Node:
    if text.lstrip().startswith("{"):
        return from_dict(json.loads(text))
    raise QueryError("textual language not implemented yet")
