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
