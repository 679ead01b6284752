"""The outcome context: the NRS preset equals the constants, helpers per scale, records."""

from __future__ import annotations

import json

import pytest

from bayes_keta import constants
from bayes_keta.exceptions import SpecError
from bayes_keta.outcome import SCALE_KINDS, Outcome


def test_nrs_preset_is_todays_defaults():
    nrs = Outcome.nrs_0_10()
    assert nrs == Outcome()
    assert (nrs.column, nrs.scale_name, nrs.units, nrs.better) == ("pain", "nrs", "points", "lower")
    assert nrs.label == "Pain intensity (0-10 NRS)"
    assert (nrs.lower, nrs.upper) == (constants.PAIN_MIN, constants.PAIN_MAX) == (0.0, 10.0)
    assert nrs.thresholds == constants.NRS_THRESHOLDS == (0.5, 1.0, 2.0)
    assert nrs.rope == constants.ROPE_NRS == 0.5
    assert nrs.relative_thresholds_pct == (constants.RELATIVE_THRESHOLD_PCT,) == (30.0,)
    assert nrs.benefit_sign == -1 and nrs.preset == "nrs_0_10"


def test_thresholds_rope_and_units_on_every_scale():
    nrs = Outcome.nrs_0_10()
    assert nrs.thresholds_for("outcome", 35) == nrs.thresholds_for("nrs", 35) == (0.5, 1.0, 2.0)
    assert nrs.thresholds_for("auc", 35) == constants.auc_thresholds(35)
    assert nrs.thresholds_for("auc", 10) == (5.0, 10.0, 20.0)
    assert nrs.thresholds_for("percent", 35) == (30.0,)
    assert [nrs.rope_for(s, 10) for s in SCALE_KINDS] == [0.5, 5.0, None]
    assert nrs.units_for("auc") == "pain score-days"
    assert Outcome(auc_units=None, preset=None).units_for("auc") == "points x days"
    assert [nrs.scale_label(s) for s in SCALE_KINDS] == ["nrs", "auc", "percent"]
    assert Outcome(rope=None).rope_for("outcome", 35) is None
    with pytest.raises(ValueError, match="unknown scale"):
        nrs.thresholds_for("vas", 35)


def test_decision_rules_are_summary_jsons_block():
    rules = Outcome.nrs_0_10().decision_rules(35)
    assert rules["thresholds"] == {
        "nrs": [0.5, 1.0, 2.0],
        "auc": [17.5, 35.0, 70.0],
        "percent": [30.0],
    }
    assert rules["rope"] == {"nrs": 0.5, "auc": 17.5, "percent": None}
    assert any("Farrar" in s for s in rules["sources"])


def test_records_round_trip_through_json():
    higher = Outcome(better="higher", thresholds=(1, 3), preset=None, scale_name="fn")
    assert higher.benefit_sign == 1 and higher.thresholds == (1.0, 3.0)
    for outcome in (Outcome.nrs_0_10(), higher):
        assert Outcome.from_dict(json.loads(json.dumps(outcome.to_dict()))) == outcome


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"better": "up"}, "better"),
        ({"lower": 10.0, "upper": 0.0}, "below upper"),
        ({"thresholds": (2.0, 1.0)}, "ascending"),
        ({"thresholds": (-1.0,)}, ">= 0"),
        ({"rope": 0.0}, "rope"),
        ({"scale_name": "auc"}, "reserved"),
    ],
)
def test_invalid_outcomes_are_spec_errors(fields, message):
    with pytest.raises(SpecError, match=message):
        Outcome(**fields)


def test_unknown_record_fields_are_refused():
    with pytest.raises(SpecError, match="unknown outcome field"):
        Outcome.from_dict({"colour": "blue"})


# ------------------------------------------------------------------ presets and [outcome]
def test_vas_preset_has_sourced_thresholds_and_says_which_are_conventions():
    vas = Outcome.vas_0_100()
    assert (vas.scale_name, vas.units, vas.lower, vas.upper) == ("vas", "mm", 0.0, 100.0)
    assert vas.thresholds == constants.VAS_THRESHOLDS == (10.0, 13.0, 20.0)
    assert vas.rope == constants.VAS_ROPE == 5.0 and vas.better == "lower"
    sources = " ".join(vas.sources)
    assert "Myles" in sources and "Todd" in sources and "Gallagher" in sources
    assert "Convention" in sources and "20 mm" in sources
    assert vas.units_for("auc") == "mm x days" and vas.thresholds_for("auc", 1) == vas.thresholds
    assert Outcome.preset_named("vas_0_100") == vas
    with pytest.raises(SpecError, match="unknown outcome preset 'vas'; presets: nrs_0_10"):
        Outcome.preset_named("vas")


def test_a_declared_outcome_reads_the_contract_keys():
    table = {
        "column": "sbp",
        "label": "Systolic blood pressure",
        "units": "mmHg",
        "lower": 0,
        "upper": 300,
        "better": "lower",
        "thresholds": [10, 2, 5],
        "rope": 2,
    }
    bp = Outcome.from_table(table)
    assert (bp.column, bp.label, bp.units, bp.lower, bp.upper) == (
        "sbp",
        "Systolic blood pressure",
        "mmHg",
        0.0,
        300.0,
    )
    assert bp.thresholds == (2.0, 5.0, 10.0) and bp.rope == 2.0 and bp.preset is None
    assert bp.noun == "systolic blood pressure" and bp.scale_name == "outcome"
    assert bp.relative_thresholds_pct == () and bp.units_for("auc") == "mmHg x days"
    assert bp.decision_rules(8)["thresholds"] == {
        "outcome": [2.0, 5.0, 10.0],
        "auc": [16.0, 40.0, 80.0],
        "percent": [],
    }
    assert any("declared by the user" in s for s in bp.sources)
    unbounded = Outcome.from_table({k: v for k, v in table.items() if k not in ("lower", "upper")})
    assert not unbounded.bounded and unbounded.range_text is None
    assert unbounded.bounds == (float("-inf"), float("inf"))
    assert "unbounded" in unbounded.describe()


def test_presets_take_overrides_and_only_presentation_keys_keep_the_preset():
    vas = Outcome.from_table({"preset": "vas_0_100", "column": "vas", "reading": "period"})
    assert vas.preset == "vas_0_100" and vas.column == "vas" and vas.reading == "period"
    changed = Outcome.from_table({"preset": "vas_0_100", "thresholds": [15]})
    assert changed.preset is None and changed.thresholds == (15.0,)
    assert changed.sources[-1].startswith("declared by the user")
    assert Outcome.from_table({"column": "score"}) == Outcome(column="score")
    higher = Outcome.from_table({"preset": "nrs_0_10", "better": "higher", "noun": "relief"})
    assert higher.benefit_sign == 1 and higher.noun == "relief" and higher.preset is None


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"colour": "blue"}, r"unknown key\(s\) \['colour'\]"),
        ({"units": "mmHg"}, "needs better"),
        ({"better": "lower", "lower": 0}, "needs units"),
        ({"preset": "vas"}, "preset: unknown outcome preset 'vas'"),
        ({"preset": "nrs_0_10", "better": "up"}, 'better must be "lower" or "higher"'),
        ({"preset": "nrs_0_10", "thresholds": "1,2"}, "thresholds must be a list of numbers"),
        ({"preset": "nrs_0_10", "rope": 0}, "rope must be > 0"),
        ({"preset": "nrs_0_10", "lower": True}, "lower must be a finite number"),
        ({"preset": "nrs_0_10", "column": ""}, "column must be a non-empty string"),
        ({"preset": "vas_0_100", "thresholds": [120]}, "not below the range 100"),
        ({"preset": "nrs_0_10", "scale": "Blood Pressure"}, "lower-case letters"),
        ({"preset": "nrs_0_10", "lower": 10, "upper": 0}, "must be below upper"),
    ],
)
def test_bad_outcome_tables_name_the_key(table, message):
    with pytest.raises(SpecError, match=message) as err:
        Outcome.from_table(table, where="design.toml [outcome]")
    assert str(err.value).startswith("design.toml [outcome]")


def test_one_sided_bounds():
    floor = Outcome(lower=0.0, upper=None, preset=None)
    assert floor.bounds == (0.0, float("inf")) and not floor.bounded
    assert ">= 0" in floor.describe()
