"""Built-in world generators; importing this package registers them."""

from chaos.world.generators import sports_media

__all__ = ["sports_media"]
