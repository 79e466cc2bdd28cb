"""Server URLs: where the default comes from, and how one is shown without its password."""

from __future__ import annotations

import os
import re
import urllib.parse

__all__ = ["ENV", "redact", "scrub", "password_of"]

#: The environment variable ``PostgresDB.url`` defaults to.
ENV = "TASKDB_POSTGRES_URL"

_KV_PASSWORD = re.compile(r"""(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)""", re.IGNORECASE)


def default_url() -> str:
    return os.environ.get(ENV, "")


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***`` (URL or ``key=value`` form)."""
    if "://" not in url:
        return _KV_PASSWORD.sub(r"\1***", url)
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "<an unparsable URL>"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":***"
        netloc = f"{userinfo}@{host}"
    query = parts.query
    if query:
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        query = "&".join(
            f"{k}={'***' if k.lower() == 'password' else urllib.parse.quote(v, safe='')}"
            for k, v in pairs
        )
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def password_of(url: str) -> str | None:
    """The password written in ``url``, if any (to scrub it from messages)."""
    if "://" not in url:
        m = _KV_PASSWORD.search(url)
        return None if m is None else m.group(2).strip("'")
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return None
    if parts.password:
        return urllib.parse.unquote(parts.password)
    for k, v in urllib.parse.parse_qsl(parts.query):
        if k.lower() == "password":
            return v
    return None


def scrub(message: str, url: str) -> str:
    """``message`` with the URL's password (raw or percent-encoded) replaced by ``***``."""
    secret = password_of(url)
    if secret:
        for form in {secret, urllib.parse.quote(secret, safe="")}:
            message = message.replace(form, "***")
    return message
