"""Text -> AST. Lark (LALR, contextual lexer) with the grammar in grammar.lark;
a Transformer builds the dataclasses of `ast.py` with source spans, and
syntax errors become `SceneError`s that say what was expected.
"""
from __future__ import annotations

import ast as py_ast
import re
from functools import lru_cache
from importlib import resources

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from . import ast
from .errors import SceneError, did_you_mean
from .limits import MAX_NESTING, check_digits, finite

@lru_cache(maxsize=1)
def _lark() -> Lark:
    grammar = resources.files("storyreel.dsl").joinpath("grammar.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=False,
                cache=_parser_cache())


def _parser_cache() -> str | bool:
    """Where Lark keeps the parse tables it builds (saving every later command about
    50 ms; it rebuilds them when the grammar, the options or Lark change): the
    user's storyreel cache folder, not the shared temp folder, because the file is
    a pickle. False (no cache) when that folder cannot be made."""
    from ..engine.speech.cache import cache_root

    folder = cache_root()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return str(folder / "grammar.lark-cache")


def _span(tok_or_meta) -> ast.Span:
    return ast.Span(tok_or_meta.line, tok_or_meta.column, tok_or_meta.end_line, tok_or_meta.end_column)


@v_args(meta=True)
class _ToAst(Transformer):
    # values
    def time(self, meta, children):
        (tok,) = children
        text = str(tok)
        unit = "ms" if text.endswith("ms") else text[-1]
        check_digits(text, _span(tok))
        return ast.Time(_span(tok), finite(float(text[: -len(unit)]), _span(tok)), unit, text)

    def length(self, meta, children):
        (tok,) = children
        text = str(tok)
        unit = "%" if text.endswith("%") else "px"
        check_digits(text, _span(tok))
        return ast.Length(_span(tok), finite(float(text[: -len(unit)]), _span(tok)), unit, text)

    def dimensions(self, meta, children):
        (tok,) = children
        check_digits(str(tok), _span(tok))
        w, h = str(tok).split("x")
        return ast.Dimensions(_span(tok), int(w), int(h), str(tok))

    def number(self, meta, children):
        (tok,) = children
        check_digits(str(tok), _span(tok))
        return ast.Number(_span(tok), finite(float(tok), _span(tok)), str(tok))

    def color(self, meta, children):
        (tok,) = children
        return ast.Color(_span(tok), str(tok))

    def string(self, meta, children):
        (tok,) = children
        return ast.String(_span(tok), _unquote(str(tok)), str(tok))

    def word(self, meta, children):
        (tok,) = children
        return ast.Word(_span(tok), str(tok))

    def arrow(self, meta, children):
        (tok,) = children
        return ast.Arrow(_span(tok))

    def position(self, meta, children):
        x, y = children
        return ast.Position(_span(meta), x, y)

    # steps
    def declare(self, meta, children):
        name, kind, *rest = children
        children_decls = None
        if rest and isinstance(rest[-1], tuple):
            children_decls = rest.pop()
        return ast.Declare(_span(meta), _w(name), _w(kind), tuple(rest), children_decls)

    def group_body(self, meta, children):
        return tuple(children)

    def target(self, meta, children):
        return _w(children[0])

    def animate(self, meta, children):
        target, *items = children
        return ast.Animate(_span(meta), target, tuple(items))

    def wait(self, meta, children):
        return ast.Wait(_span(meta), tuple(children))

    def together(self, meta, children):
        return ast.Together(_span(meta), tuple(children))

    def at_block(self, meta, children):
        when, *steps = children
        return ast.AtBlock(_span(meta), when, tuple(steps))

    def background(self, meta, children):
        _kw, *items = children
        return ast.BackgroundDecl(_span(meta), tuple(items))

    def step(self, meta, children):
        if len(children) == 1:
            return children[0]
        return ast.Parallel(_span(meta), tuple(children))

    def says(self, meta, children):
        speaker, *items = children
        return ast.Says(_span(meta), _w(speaker), tuple(items))

    def sound(self, meta, children):
        return ast.SoundStep(_span(meta), tuple(children))

    def music(self, meta, children):
        _kw, *items = children
        return ast.MusicStep(_span(meta), tuple(items))

    def unavailable_top(self, meta, children):
        raise SceneError("music is set in the video block (for the whole video) or inside a scene", _span(meta),
                         hint="video \"Title\" { music nursery volume 0.2 }, or scene NAME { music off … }")

    def cast_member(self, meta, children):
        name, *items = children
        return ast.CastMember(_span(meta), _w(name), tuple(items))

    def cast(self, meta, children):
        return ast.CastDecl(_span(meta), tuple(children))

    # structure
    def setting(self, meta, children):
        name, *items = children
        return ast.Setting(_span(meta), _w(name), tuple(items))

    def video(self, meta, children):
        title = None
        if children and isinstance(children[0], Token) and children[0].type == "STRING":
            title = _unquote(str(children.pop(0)))
        return ast.VideoDecl(_span(meta), title, tuple(children))

    def scene_duration(self, meta, children):
        return children[0]

    def scene(self, meta, children):
        name, *rest = children
        duration = None
        if rest and not isinstance(rest[0], _STEP_TYPES):
            duration = rest.pop(0)
        return ast.SceneDecl(_span(meta), _w(name), duration, tuple(rest))

    def transition(self, meta, children):
        kind, *items = children
        return ast.TransitionDecl(_span(meta), _w(kind), tuple(items))

    def start(self, meta, children):
        video, *parts = children
        return ast.Document(video, tuple(parts))


_STEP_TYPES = (ast.Declare, ast.Animate, ast.Wait, ast.Together, ast.AtBlock, ast.BackgroundDecl, ast.Says,
               ast.SoundStep, ast.MusicStep, ast.Parallel)


def _w(tok: Token | ast.Word) -> ast.Word:
    if isinstance(tok, ast.Word):
        return tok
    return ast.Word(_span(tok), str(tok))


def _unquote(text: str) -> str:
    try:
        return py_ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text[1:-1]


# ── syntax errors ─────────────────────────────────────────────────────────────

_TOKEN_NAMES = {
    "_NL": "end of line", "$END": "end of file", "LBRACE": "'{'", "RBRACE": "'}'", "LPAR": "'('",
    "RPAR": "')'", "COMMA": "','", "COLON": "':'", "EQUAL": "'='", "AMPERSAND": "'&'",
    "WORD": "a word", "STRING": "a string", "NUMBER": "a number", "TIME": "a time like 2s",
    "LENGTH": "a length like 40px or 50%", "COLOR": "a colour", "ARROW": "'->'",
    "VIDEO": "'video'", "SCENE": "'scene'", "TRANSITION": "'transition'", "CAST": "'cast'",
    "BACKGROUND": "'background'", "MUSIC": "'music'", "WAIT": "'wait'", "TOGETHER": "'together'",
    "AT": "'at'", "SAYS": "'says'", "SOUND": "'sound'",
}


def _describe(token_type: str) -> str:
    return _TOKEN_NAMES.get(token_type, token_type.lower())


def _syntax_error(exc: UnexpectedInput, text: str) -> SceneError:
    lines = text.splitlines()
    if isinstance(exc, UnexpectedCharacters):
        ch = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        span = ast.Span(exc.line, exc.column, exc.line, exc.column + 1)
        if ch == '"':
            return SceneError("unterminated string", span, hint='close the string with " on the same line')
        if ch == "#":
            return SceneError("invalid colour", span, hint="colours are #RGB, #RRGGBB or #RRGGBBAA; a comment needs a space after '#'")
        return SceneError(f"unexpected character '{ch}'", span)
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        last = len(lines) or 1
        span = ast.Span(last, 1, last, 1)
        opened = _unclosed_brace(text)
        if opened is not None:
            line, column = opened
            return SceneError("this '{' is never closed", ast.Span(line, column, line, column + 1),
                              hint="add the missing '}' at the end of the block")
        if not text.strip():
            return SceneError("the file is empty", ast.Span(1, 1, 1, 1),
                              hint='a .scene file starts with: video "Title" { … } and then at least one scene')
        if not any(line.lstrip().startswith("video") for line in lines):
            # Only comments and blank lines: there is no video block at all.
            return SceneError("a .scene file must start with a video block", ast.Span(1, 1, 1, 1),
                              hint='begin with: video "Title" { preset youtube }, then at least one scene')
        return SceneError("unexpected end of file", span)
    assert isinstance(exc, UnexpectedToken)
    tok = exc.token
    span = ast.Span(tok.line, tok.column, tok.end_line or tok.line, tok.end_column or tok.column + 1)
    expected = _expected(exc.expected)
    got = _describe(tok.type) if tok.type in ("_NL", "$END") else f"'{tok}'"
    message = f"unexpected {got}"
    hint = f"expected {expected}" if expected else None
    line_text = lines[tok.line - 1] if 0 < tok.line <= len(lines) else ""
    if tok.line == 1 or not any(line.strip().startswith("video") for line in lines[: tok.line]):
        if not line_text.lstrip().startswith("video"):
            message = "a .scene file must start with a video block"
            hint = 'begin with: video "Title" { preset youtube }'
    elif (misspelt := _misspelt_keyword(line_text, tok)) is not None:
        return misspelt
    elif tok.type == "_NL" and "{" in exc.expected or tok.type == "_NL" and "LBRACE" in exc.expected:
        hint = "a block opens with '{' at the end of the line"
    elif tok.type == "LBRACE" and line_text.strip().startswith("scene"):
        hint = "a scene is written: scene NAME [(DURATION)] {"
    return SceneError(message, span, hint=hint)


# Words that begin a statement; a line that begins with a near miss of one
# (`backgroud solid #FFF`) is blamed on that word, not on the word after it.
_STATEMENT_WORDS = ("video", "scene", "transition", "cast", "background", "wait", "together", "sound", "music")
_FIRST_WORD = re.compile(r"[ \t]*([A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*)")


def _misspelt_keyword(line_text: str, tok: Token) -> SceneError | None:
    """'unknown statement …, did you mean …' when `tok` is the second word of a line
    whose first word is no statement word but is close to one."""
    first = _FIRST_WORD.match(line_text)
    if first is None or tok.type == "_NL" or line_text[first.end():tok.column - 1].strip():
        return None  # the unexpected token is not the one right after the first word
    word = first.group(1)
    guess = did_you_mean(word, [w for w in _STATEMENT_WORDS if w != word], cutoff=0.75)
    if word in _STATEMENT_WORDS or guess is None:
        return None
    column = first.start(1) + 1
    return SceneError(f"unknown statement '{word}'", ast.Span(tok.line, column, tok.line, column + len(word)),
                      hint=f"{guess} (or, to declare an element: NAME = KIND …; to animate one: NAME: ACTION …)")


_VALUE_TOKENS = {"ARROW", "COLOR", "DIMENSIONS", "LENGTH", "LPAR", "NUMBER", "STRING", "TIME", "WORD"}


def _expected(token_types) -> str:
    """`end of line, a value, '&' or '{'`: what the parser could have taken instead."""
    types = {t for t in token_types if not t.startswith("__")}
    words: list[str] = []
    if "_NL" in types:
        words.append(_describe("_NL"))
        types.discard("RPAR")  # LALR state merging offers ')' after any value; only `scene a (2s)` takes it
        types.discard("RBRACE")  # ... and '}' after any value: only the one-line `video "T" { preset P }` takes it
    if len(types & _VALUE_TOKENS) >= 4:
        words.append("a value")
        types -= _VALUE_TOKENS
    words += sorted(_describe(t) for t in types if t != "_NL")
    if len(words) > 1:
        return f"{', '.join(words[:-1])} or {words[-1]}"
    return words[0] if words else ""


def _unclosed_brace(text: str) -> tuple[int, int] | None:
    """(line, column) of the last '{' without its '}', skipping strings and comments."""
    stack: list[tuple[int, int]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        in_string = False
        for i, ch in enumerate(line):
            if ch == '"' and (i == 0 or line[i - 1] != "\\"):
                in_string = not in_string
            elif in_string:
                continue
            elif ch == "#" and not re.match(r"#[0-9A-Fa-f]{3,8}(?![A-Za-z0-9_])", line[i:]):
                break
            elif ch == "{":
                stack.append((number, i + 1))
            elif ch == "}" and stack:
                stack.pop()
    return stack[-1] if stack else None


# Rules that open a `{ … }` block; a group's body is `group_body`.
_BLOCKS = {"video", "scene", "cast", "together", "at_block", "group_body"}


def _check_nesting(tree) -> None:
    """At most MAX_NESTING blocks inside one another. Lark parses any depth without
    recursing, but the Transformer below and the compiler recurse once per block,
    so this walk is iterative and runs before them."""
    stack = [(tree, 0, None)]
    while stack:
        node, depth, parent_meta = stack.pop()
        if not hasattr(node, "data"):
            continue  # a token
        if node.data in _BLOCKS:
            depth += 1
            if depth > MAX_NESTING:
                meta = node.meta if not node.meta.empty else parent_meta
                span = _span(meta) if meta is not None and not meta.empty else ast.Span(1, 1, 1, 1)
                raise SceneError(f"blocks nested more than {MAX_NESTING} deep", span,
                                 hint="flatten the blocks: `together`, `at` and groups "
                                      f"may nest at most {MAX_NESTING} levels")
        meta = node.meta if not node.meta.empty else parent_meta
        stack.extend((child, depth, meta) for child in reversed(node.children))


def parse(text: str) -> ast.Document:
    """Parse expanded .scene text into an AST; raises SceneError."""
    if not text.strip():
        raise SceneError("the file is empty", ast.Span(1, 1, 1, 1),
                         hint='a .scene file starts with: video "Title" { … } and then at least one scene')
    if not text.endswith("\n"):
        text += "\n"
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, text) from None
    _check_nesting(tree)
    try:
        return _ToAst().transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, SceneError):
            raise exc.orig_exc from None
        raise
