"""Agent text is data: make it inert wherever a report shows it.

Jinja2's autoescape covers the HTML; these cover the two other places text goes: plotly labels
(plotly.js reads a subset of HTML tags and entities in them) and JSON inside a <script> block.
"""

from __future__ import annotations

import html
import json
from typing import Any

__all__ = ["json_for_script", "plot_text", "shorten"]

_SCRIPT_SAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                0x2028: "\\u2028", 0x2029: "\\u2029"}


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plot_text(text: str, limit: int = 240) -> str:
    """Text for a plotly label or hover: shortened, then escaped so it shows as typed.

    plotly.js turns `&lt;` back into `<` when it draws, and never reads it as a tag.
    """
    return html.escape(shorten(text, limit), quote=False).replace("\n", " ")


def json_for_script(value: Any) -> str:
    """Compact JSON that is safe inside a <script> element.

    `<`, `>` and `&` only occur inside JSON strings, where the escape `u003c` means `<`, so
    neither `</script>` nor `<!--` can end or change the element; U+2028/9 are escaped for old
    JavaScript parsers.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.translate(_SCRIPT_SAFE)
