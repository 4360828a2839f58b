"""What the episode's ASGI apps (MCP endpoints, model gateway) share about requests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["route_path"]


def route_path(scope: Mapping[str, Any]) -> str:
    """The request's path below the app's mount point (`root_path`), as Starlette routes it.

    `/agentsX/...` is not below a mount at `/agents`: the root must end at a path boundary.
    """
    path, root = scope.get("path", ""), scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root):len(root) + 1] in ("", "/"):
        return path[len(root):] or "/"
    return path
