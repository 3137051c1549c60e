"""Escaping of text put into the Markdown report, so that what a cell says is shown, never rendered."""

from __future__ import annotations

import re

# what Markdown (CommonMark, GitHub's tables) would read as markup: escaped with a backslash
_PUNCT = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def md_text(text: object, limit: int | None = None) -> str:
    """`text` as literal Markdown: HTML's special characters as entities (no tag, no comment,
    no entity of the user's is ever rendered), Markdown's punctuation escaped, line breaks as
    spaces (a table row is one line); shortened to `limit` characters first."""
    s = " ".join(str(text).split())
    if limit is not None and len(s) > limit:
        s = s[:limit - 1] + "…"
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _PUNCT.sub(r"\\\1", s)
