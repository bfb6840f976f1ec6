"""The schema's defaults are config.yaml's values, so a key absent from a config means the same
whichever is read; the shipped configs say what they are, and the tuning grid of the learning
curves can choose the untuned model."""

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SCHEMA = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
DEFAULT = yaml.safe_load((REPO / "config.yaml").read_text())


def leaves(config: dict, schema: dict, prefix: str = ""):
    """(key, config.yaml's value, the schema's default) of every value config.yaml sets."""
    for key, value in config.items():
        known = schema["properties"][key]
        if isinstance(value, dict):
            yield from leaves(value, known, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value, known.get("default")


def laid_over(base: dict, top: dict) -> dict:
    return {
        key: laid_over(base[key], value) if isinstance(value, dict) and key in base else value
        for key, value in {**base, **top}.items()
    }


def test_the_schema_defaults_are_config_yaml_values():
    found = list(leaves(DEFAULT, SCHEMA))
    assert len(found) > 30
    assert [(key, ours, default) for key, ours, default in found if ours != default] == []


def test_owners_are_not_fetched_unless_asked_for():
    assert SCHEMA["properties"]["flickr"]["properties"]["get_info"]["default"] is None
    nuswide = yaml.safe_load((REPO / "config" / "nuswide.yaml").read_text())
    assert nuswide["flickr"]["get_info"] is None and nuswide["nuswide"]["tags"] == "release"


def test_the_nuswide_config_does_not_call_the_defaults_the_papers():
    header = (REPO / "config" / "nuswide.yaml").read_text().split("\ndataset:", 1)[0]
    assert "are the paper's settings" not in header and "not the\n# paper's" in header


def test_the_learning_curves_grid_holds_the_untuned_model():
    curves = laid_over(DEFAULT, yaml.safe_load((REPO / "config" / "curves.yaml").read_text()))
    untuned = (curves["model"]["hidden"], curves["model"]["l2"])
    assert untuned == (500, 3.0e-3)
    grid = [(h, l2) for h in curves["curves"]["hidden"] for l2 in curves["curves"]["l2"]]
    assert untuned in grid and len(grid) == 4
