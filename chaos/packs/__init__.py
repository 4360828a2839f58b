"""Built-in packs: a field's world generator, task kinds, tools and scripted skills together.

The core knows files, tags, sinks, expectations and taints; a pack brings one field's words.
Packs register into the same registries plugins do, the first time any registry is read.
"""

from chaos.packs import sports

__all__ = ["sports"]
