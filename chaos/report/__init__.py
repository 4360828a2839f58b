"""Reports of a run: the terminal table now; JSON, JUnit and HTML build on the same results."""

from chaos.report._terminal import outcome_tables

__all__ = ["outcome_tables"]
