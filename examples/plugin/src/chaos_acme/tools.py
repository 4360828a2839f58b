"""`checksum_file`: a file's checksum, to compare with the SHA256SUMS lists ingest writes."""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chaos.tools import ToolContext, tool

#: Most bytes hashed; a bigger file is reported as too big, not hashed in part.
HASH_CAP = 64 * 1024 * 1024


class ChecksumArgs(BaseModel):
    """Arguments of checksum_file."""

    model_config = ConfigDict(extra="forbid")
    path: str = Field(description="Absolute path of the file")
    algorithm: Literal["sha256", "sha1", "md5"] = Field("sha256", description="Hash function")


@tool("checksum_file", args=ChecksumArgs)
def checksum_file(ctx: ToolContext, args: ChecksumArgs) -> str:
    """The hex checksum of a file (sha256 by default), to compare with a SHA256SUMS list."""
    # Through the episode's filesystem: the fake world, with its faults (EACCES, EIO...).
    path = ctx.fs.resolve(args.path)
    data = ctx.fs.read(path, HASH_CAP + 1)
    if len(data) > HASH_CAP:
        return f"error: {path} is over {HASH_CAP} bytes; checksum_file hashes smaller files"
    digest = hashlib.new(args.algorithm, data).hexdigest()
    return json.dumps({"path": path, "algorithm": args.algorithm, "checksum": digest,
                       "size": len(data)})
