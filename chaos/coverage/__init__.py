"""Fault coverage: what the faults reached, what never fired and why, what no fault touched.

Per fault per episode, `fault_reach` records (on `FaultResult.reached`) the agents, tools,
files, tags and sinks a fired fault reached, or why it never fired. `CoverageBuilder` counts
those over a run, one episode at a time, into results.json's `summary.coverage`, with the
parts of the chain no fault touched; `predict_coverage` says the same before a run
(`chaos explain`).
"""

from chaos.coverage._parts import SIGNAL_TOOLS, ChainParts, chain_parts, tool_sink, world_tags
from chaos.coverage._reach import MODEL_CALL, fault_reach, ordinal, selector_text
from chaos.coverage._structural import never_reasons
from chaos.coverage._summary import CoverageBuilder, coverage_summary, with_coverage
from chaos.coverage._text import REASON_WORDS, coverage_lines, prediction_lines

__all__ = ["MODEL_CALL", "REASON_WORDS", "SIGNAL_TOOLS", "ChainParts", "CoverageBuilder",
           "chain_parts", "coverage_lines", "coverage_summary", "fault_reach",
           "never_reasons", "ordinal", "prediction_lines", "selector_text", "tool_sink",
           "with_coverage", "world_tags"]
