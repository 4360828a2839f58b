"""`python -m chaos.cli`: the same as the `chaos` command."""

from chaos.cli import main

main()
