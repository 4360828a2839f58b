"""The JSON Schema of results.json, exported from `RunResults` and shipped in the package.

Regenerate the committed file after changing `chaos/results.py`:
`python -m chaos.report._update_schema`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chaos.results import RunResults

__all__ = ["SCHEMA_PATH", "results_schema", "results_schema_text"]

#: The shipped schema file.
SCHEMA_PATH = Path(__file__).with_name("results.schema.json")
_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def results_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of results.json, as `RunResults` defines it."""
    return {"$schema": _DIALECT, **RunResults.model_json_schema()}


def results_schema_text() -> str:
    """The schema as the shipped file holds it (stable bytes)."""
    return json.dumps(results_schema(), indent=2, ensure_ascii=False) + "\n"

