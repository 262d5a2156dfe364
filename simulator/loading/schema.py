"""JSON Schemas of the file formats, generated from the models (editors autocomplete from them)."""

from __future__ import annotations

import json
from pathlib import Path

from ..core.model import PersonaModel, ScenarioModel

SCHEMAS = {"scenario.schema.json": ScenarioModel, "persona.schema.json": PersonaModel}


def schema_text(model) -> str:
    schema = model.model_json_schema()
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_schemas(folder: Path | str) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in SCHEMAS.items():
        path = folder / name
        path.write_text(schema_text(model), encoding="utf-8")
        written.append(path)
    return written
