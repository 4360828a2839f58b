"""The sports pack's tool: `publish_video`, a package video made of clips or a manifest."""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, Field

from chaos.tools import READ_CAP, ToolContext, tool
from chaos.tools._outbound import upload

__all__ = ["publish_video"]


class _PublishArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    platform: str = Field(description="Where to publish, e.g. youtube")
    title: str
    clips: list[str] = Field(default_factory=list,
                             description="Absolute paths of the clips, in order")
    manifest: str | None = Field(None, description="Instead of clips: a JSON manifest file "
                                 "whose `clips` list holds {path} entries")


@tool("publish_video", args=_PublishArgs)
def publish_video(ctx: ToolContext, args: _PublishArgs) -> str:
    """Publish a video made of the given clips to a platform (leaves the organisation)."""
    clips = list(args.clips)
    if args.manifest is not None:
        try:
            listed = json.loads(ctx.fs.read(args.manifest, READ_CAP))["clips"]
            clips += [str(c["path"]) for c in listed]
        except (ValueError, KeyError, TypeError):
            return f"error: {args.manifest} is not a manifest with a clips list of {{path}}"
    if not clips:
        return "error: give clips or a manifest"
    return upload(ctx, args.platform, args.title, clips, "clip")
