"""The text front end: the textual language and Mongo-style JSON text, one Lark grammar."""

from .parser import parse_text

__all__ = ["parse_text"]
