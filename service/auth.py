"""Bearer tokens from a token file: one token a line, optionally followed by a
name (the name is what limits, logs and `GET /v1/jobs` go by; a token's jobs
are visible to that token only).

    # tokens.txt — keep it private (chmod 600)
    9f1c0e4b7a2d4c55b0e8a1f3d6c7e9ab  school-app
    3b7e2f90c4d1a6e8f5b2c9d0a7e1f4c6  nightly-batch

Blank lines and lines starting with `#` are skipped. A token is compared in
constant time (`hmac.compare_digest`), so its bytes cannot be guessed one at
a time from response times.
"""
from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ANONYMOUS", "MIN_TOKEN_CHARS", "Token", "TokenFileError", "bearer", "find_token", "read_tokens"]

MIN_TOKEN_CHARS = 16  # `python3 -c "import secrets; print(secrets.token_hex(16))"` makes 32
_NAME = re.compile(r"[A-Za-z0-9_.@-]{1,64}")


@dataclass(frozen=True)
class Token:
    name: str
    secret: str


ANONYMOUS = Token("anonymous", "")  # every request, when the server has no token file


class TokenFileError(Exception):
    """The token file is unreadable or malformed; `str()` is `FILE:LINE:COL: error: …`."""


def read_tokens(path: str | Path) -> list[Token]:
    """The tokens of `path`. Raises `TokenFileError` (located) for a short or
    repeated token, a repeated or odd name, or a file that cannot be read."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise TokenFileError(f"{path}: error: cannot read the token file: {getattr(err, 'strerror', None) or err}")
    tokens: list[Token] = []
    seen_secrets: dict[str, int] = {}
    seen_names: dict[str, int] = {}

    def bad(line: int, column: int, message: str, hint: str) -> TokenFileError:
        return TokenFileError(f"{path}:{line}:{column}: error: {message}\n  hint: {hint}")

    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        parts = stripped.split()
        secret = parts[0]
        column = line.index(secret) + 1
        if len(parts) > 2:
            raise bad(number, line.index(parts[2], column) + 1, "one token and at most one name a line",
                      "write `TOKEN NAME` (a name has no spaces)")
        name = parts[1] if len(parts) == 2 else f"token{len(tokens) + 1}"
        if len(secret) < MIN_TOKEN_CHARS:
            raise bad(number, column, f"token too short ({len(secret)} characters; at least {MIN_TOKEN_CHARS})",
                      "make one with: python3 -c \"import secrets; print(secrets.token_hex(16))\"")
        if len(parts) == 2 and not _NAME.fullmatch(name):
            raise bad(number, line.index(name, column + len(secret)) + 1, f"'{name}' is not a token name",
                      "a name is letters, digits, '_', '.', '@' or '-' (at most 64)")
        if secret in seen_secrets:
            raise bad(number, column, f"the token on line {seen_secrets[secret]} is repeated",
                      "give every client a token of its own")
        if name in seen_names:
            raise bad(number, line.index(name, column + len(secret)) + 1,
                      f"the name '{name}' is also on line {seen_names[name]}", "every token needs its own name")
        seen_secrets[secret], seen_names[name] = number, number
        tokens.append(Token(name, secret))
    if not tokens:
        raise TokenFileError(f"{path}:1:1: error: no tokens in the token file\n"
                             f"  hint: write one token a line, optionally followed by a name")
    return tokens


def bearer(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer TOKEN` header, or None."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def find_token(tokens: list[Token], given: str | None) -> Token | None:
    """The token `given` is, compared in constant time against every one; None: unknown."""
    found = None
    if given is None:
        return None
    for token in tokens:
        if hmac.compare_digest(token.secret.encode(), given.encode()):
            found = token
    return found
