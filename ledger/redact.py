"""Credentials never printed or stored: URLs and error texts with their secrets masked.

``redact_url("postgresql://tp:PW@host:5432/db?password=x&sslpassword=y")`` gives
``postgresql://tp:***@host:5432/db?password=***&sslpassword=***``: the user name
stays (it is not a secret and says which account), the password and every query
parameter that carries a secret become ``***``.

``redact_text`` does the same to any URL-looking substring of a longer text (an
exception message from SQLAlchemy or psycopg, which may quote the URL or a
``key=value`` DSN), so an error can be shown as it is, minus its secrets.

Standard library only: the hook's log uses it.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

MASK = "***"

#: Query or DSN keys whose value is a secret (compared lower-case, ``-`` as ``_``).
SECRET_KEYS = frozenset(
    {
        "password",
        "passwd",
        "pass",
        "pwd",
        "sslpassword",
        "secret",
        "client_secret",
        "token",
        "access_token",
        "auth_token",
        "api_key",
        "apikey",
        "key",
        "private_key",
        "aws_secret_access_key",
        "signature",
        "sig",
    }
)

#: ``scheme://`` then a netloc that holds ``user:password@`` (or just ``token@``).
_URL_WITH_USERINFO = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^\s/'\"<>]*)@"
)
#: A whole URL, for redacting its query (``...?password=x``).
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>]+")
#: ``password=secret`` in a libpq key/value DSN or any ``k=v`` text.
_KV = re.compile(
    r"(?P<key>\b[A-Za-z_][A-Za-z0-9_\-]*)(?P<eq>\s*=\s*)(?P<val>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s&;,'\"]+)"
)


def _is_secret_key(key: str) -> bool:
    return key.strip().lower().replace("-", "_") in SECRET_KEYS


def _redact_query(query: str) -> str:
    if not query:
        return query
    parts = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        if _is_secret_key(key):
            parts.append(f"{quote(key, safe='')}={MASK}")
        else:
            parts.append(f"{quote(key, safe='')}={quote(value, safe='')}")
    return "&".join(parts)


def _redact_netloc(netloc: str) -> str:
    if "@" not in netloc:
        return netloc
    userinfo, _, host = netloc.rpartition("@")
    user, colon, _password = userinfo.partition(":")
    if colon:
        return f"{user}:{MASK}@{host}"
    # ``scheme://token@host``: a lone user part may itself be a token; keep short
    # plain user names, mask anything that looks like a secret (long or mixed).
    if len(user) > 32:
        return f"{MASK}@{host}"
    return netloc


def redact_url(url: Any) -> str:
    """``url`` with its password and secret query parameters replaced by ``***``.

    Not a URL (no ``scheme://``): returned as text, with ``password=...`` pairs masked
    (a libpq DSN such as ``host=h password=x``). Never raises."""
    text = str(url)
    if "://" not in text:
        return _redact_kv(text)
    try:
        parts = urlsplit(text)
    except ValueError:
        return redact_text(text)
    if not parts.scheme:
        return redact_text(text)
    netloc = _redact_netloc(parts.netloc)
    query = _redact_query(parts.query)
    fragment = _redact_query(parts.fragment) if "=" in parts.fragment else parts.fragment
    return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))


def _redact_kv(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        if _is_secret_key(m.group("key")):
            return f"{m.group('key')}{m.group('eq')}{MASK}"
        return m.group(0)

    return _KV.sub(repl, text)


def redact_text(text: Any) -> str:
    """``text`` (an error message, a log line) with every credential in it masked:
    ``scheme://user:password@`` becomes ``scheme://user:***@``, secret query
    parameters of any URL and ``password=...`` pairs become ``***``."""
    s = str(text)

    def userinfo(m: re.Match[str]) -> str:
        user, colon, _pw = m.group("userinfo").partition(":")
        if colon:
            return f"{m.group('scheme')}{user}:{MASK}@"
        if len(user) > 32:
            return f"{m.group('scheme')}{MASK}@"
        return m.group(0)

    s = _URL_WITH_USERINFO.sub(userinfo, s)

    def query(m: re.Match[str]) -> str:
        url = m.group(0)
        if "?" not in url and "#" not in url:
            return url
        head, sep, rest = url.partition("?")
        if not sep:
            return url
        q, hsep, frag = rest.partition("#")
        return head + "?" + _redact_kv_query(q) + (hsep + frag if hsep else "")

    s = _URL.sub(query, s)
    return _redact_kv(s)


def _redact_kv_query(q: str) -> str:
    out = []
    for piece in q.split("&"):
        key, eq, _val = piece.partition("=")
        out.append(f"{key}={MASK}" if eq and _is_secret_key(key) else piece)
    return "&".join(out)
