"""The JSON Schemas shipped with the scenarios are generated from the models and up to date."""

from __future__ import annotations

import json

import pytest

from simulator.loading.schema import SCHEMAS, schema_text

from ..conftest import SCENARIOS


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_shipped_schema_is_current(name):
    shipped = (SCENARIOS / "schema" / name).read_text(encoding="utf-8")
    assert shipped == schema_text(SCHEMAS[name]), "run: roleplay schema"


def test_schema_describes_fields_for_editors():
    schema = json.loads(schema_text(SCHEMAS["scenario.schema.json"]))
    assert schema["additionalProperties"] is False
    option = schema["$defs"]["Option"]["properties"]
    assert option["next"]["description"] == "The node or ending this reply leads to."
    assert set(schema["required"]) >= {"schema_version", "id", "title", "persona", "nodes", "endings"}
