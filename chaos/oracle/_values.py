"""Text taints: whether a value a fault introduced stands in text that left the organisation.

A value is found as a whole, in any case or Unicode form (`name_key` after NFKC, so full-width
digits are digits): `1.2.3` is carried by
`version 1.2.3.` and `v1.2.3`, never by `1.2.30`, `11.2.3` or `1.2.3.4` (a longer number), and
`Zoë` never by `Zoës` (a longer word).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from chaos._normalize import name_key, whole_value

__all__ = ["carries", "value_leaks"]

#: Most characters of one text searched (a mail body is capped at 256 KiB already).
_TEXT_CAP = 1024 * 1024


def _key(text: str) -> str:
    """Text as values are compared: compatibility forms folded (`１.２` is `1.2`), case too."""
    return name_key(unicodedata.normalize("NFKC", text))


def carries(text: str, value: str) -> bool:
    """Whether `text` holds `value` as a whole value (see the module docstring)."""
    key = _key(value)
    return bool(key) and whole_value(key).search(_key(text[:_TEXT_CAP])) is not None


def value_leaks(texts: Iterable[tuple[str, str]], values: Iterable[str]) -> list[str]:
    """Evidence lines, one per (place, value) found: `mail to x@y: body carries "1.4.0" ...`.

    Args:
        texts: (where it went, text) pairs, as `TaskKind.outbound_text` gives them.
        values: The fault's taint values.
    """
    wanted = [v for v in dict.fromkeys(values) if isinstance(v, str) and _key(v)]
    if not wanted:
        return []
    found = []
    for where, text in texts:
        key = _key(text[:_TEXT_CAP])
        found += [f'{where} carries "{value}" (introduced by the fault)' for value in wanted
                  if whole_value(_key(value)).search(key)]
    return found
