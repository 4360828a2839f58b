"""An example chaos plugin: a fault, two tools, a sink and a model provider.

- `acme.stale_copy` (fault) and `checksum_file` (tool);
- `acme_board` (sink) and `post_to_board` (its tool): posts to a partner board, outside Acme;
- `acme/<model>` (model provider): Acme's in-house gateway, with its own protocol.

chaos imports this module through the `chaos` entry point in pyproject.toml; the imports below
register them with chaos' public decorators.
"""

from chaos_acme import board, faults, gateway, tools  # noqa: F401  (registering is importing)
