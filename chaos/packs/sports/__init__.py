"""The sports-media pack: the pipeline chaos was born from.

The production tree generator, the highlight and rubric tasks, the `publish_video` tool and the
scripted skills of a highlights desk, kept as one pack among others: the core names none of
its words.
"""

from chaos.packs.sports import highlight, rubric, scripted, tools, world
from chaos.packs.sports._truth import ClipTruth, SportsTruth

__all__ = ["ClipTruth", "SportsTruth", "highlight", "rubric", "scripted", "tools", "world"]
