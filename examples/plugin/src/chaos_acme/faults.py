"""`acme.stale_copy`: an old export left beside a clip, named so that it sorts first."""

from __future__ import annotations

import posixpath

from pydantic import BaseModel, ConfigDict, Field

from chaos.faults import Fault, FaultContext, Taint, fault


class StaleCopyParams(BaseModel):
    """Parameters of acme.stale_copy."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    suffix: str = Field(" copy", min_length=1, pattern=r"^[^/\x00]+$",
                        description="Added to the clip's name, before its extension")


@fault("acme.stale_copy")
class StaleCopy(Fault):
    """An old export left beside the clip: another cut's bytes under the clip's name + ' copy'.

    `goal-1 copy.mp4` sorts before `goal-1.mp4`, so an agent that takes the first match of a
    search ships the wrong cut; one that checks the media tags (clip id) rejects it.
    """

    summary = "An old export ('<clip> copy.mp4', another cut's bytes) sorts before the clip."
    Params = StaleCopyParams

    def inject(self, ctx: FaultContext) -> Taint:
        """Create one stale copy per target, from another clip of the same folder."""
        taint = Taint()
        for target in ctx.targets:
            folder = posixpath.dirname(target.path)
            others = sorted((f for f in ctx.world.files.values()
                             if posixpath.dirname(f.path) == folder
                             and f.digest != target.digest and "team_clip" in f.tags),
                            key=lambda f: f.path)
            stem, extension = posixpath.splitext(target.path)
            path = f"{stem}{self.params.suffix}{extension}"
            if not others or ctx.fs.exists(path):
                continue  # nothing to copy from, or the name is taken: never overwrite
            source = ctx.rng.choice(others)
            ctx.fs.create(path, source.data, target.mtime - 86_400)
            taint.targets.append(target.path)
            taint.paths.append(path)  # the copy must not leave the organisation
            taint.watch.append(path)  # a listing or search that shows it fires the fault
        taint.detail = {"stale_copies": list(taint.paths)}
        return taint
