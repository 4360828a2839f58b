"""Rewrite the shipped results.schema.json: `python -m chaos.report._update_schema`.

A module of its own so that running it does not import it twice (chaos.report imports _schema).
"""

from __future__ import annotations

from chaos.report._schema import SCHEMA_PATH, results_schema_text


def main() -> None:
    """Write the schema file next to the package's modules."""
    SCHEMA_PATH.write_text(results_schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")


if __name__ == "__main__":
    main()
