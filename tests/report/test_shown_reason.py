"""Crash reasons on one line: a long quoted traceback keeps what went wrong."""

from chaos.report import shown_reason


def test_a_long_traceback_keeps_its_last_line():
    reason = ("agent command exited with status 1: Traceback (most recent call last):\n"
              + '  File "agent.py", line 3, in run\n    step()\n' * 30
              + "AttributeError: 'Tool' object has no attribute 'inputSchema'\n")
    shown = shown_reason(reason)
    assert len(shown) <= 300 and shown.startswith("agent command exited with status 1")
    assert shown.endswith("AttributeError: 'Tool' object has no attribute 'inputSchema'")
    assert "\n" not in shown


def test_short_reasons_and_one_long_line_are_as_before():
    assert shown_reason("boom\nagain") == "boom\\nagain"
    assert shown_reason("x" * 1000) == "x" * 299 + "…"
