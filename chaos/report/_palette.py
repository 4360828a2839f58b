"""One colour per outcome, shared by every chart, timeline and table of the HTML report."""

from __future__ import annotations

__all__ = ["OUTCOME_COLORS"]

#: Colour-blind-safe choices (Okabe-Ito), in the order bars stack.
OUTCOME_COLORS = {
    "propagated": "#D55E00",
    "silent": "#E69F00",
    "crashed": "#CC79A7",
    "detected": "#0072B2",
    "recovered": "#009E73",
    "not_triggered": "#999999",
}
