"""The filter language, the plain-English readers of conditions, edits and instances (no model is fitted)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.table import edits
from talkscope.tools.engine.table.conditions import Atom, Cond, parse
from talkscope.tools.engine.table.frame import load_table
from talkscope.tools.engine.table.reading import read

PENGUINS = load_table("penguins")
DIABETES = load_table("diabetes")
CANCER = load_table("breast_cancer")


@pytest.mark.parametrize(("table", "text", "expected"), [
    (PENGUINS, "penguins heavier than 5 kg not on Dream", "body_mass_g > 5000 and island != 'Dream'"),
    (PENGUINS, "how many females on Biscoe or Dream", "sex == 'female' and (island == 'Biscoe' or island == 'Dream')"),
    (PENGUINS, "flipper length of at least 200 mm", "flipper_length_mm >= 200"),
    (PENGUINS, "rows 100-120", "id >= 100 and id <= 120"),
    (PENGUINS, "the ones the model predicts as Gentoo", "prediction == 'Gentoo'"),
    (PENGUINS, "what does the model predict for penguins on Biscoe", "island == 'Biscoe'"),
    (PENGUINS, "bills deeper than 19 mm", "bill_depth_mm > 19"),
    (PENGUINS, "flippers longer than 20 cm", "flipper_length_mm > 200"),
    (PENGUINS, "penguins measured in 2009", "year == 2009"),
    (CANCER, "mean perimeter below 80 or mean concave points below 0.02",
     "(`mean perimeter` < 80 or `mean concave points` < 0.02)"),
    (DIABETES, "average bmi for people over 50", "age > 50"),
    (DIABETES, "patients older than 50", "age > 50"),
    (DIABETES, "patients younger than 30", "age < 30"),
    (DIABETES, "people in their 40s with bmi between 25 and 30", "age >= 40 and age < 50 and bmi >= 25 and bmi <= 30"),
    (DIABETES, "sex 2 and bp under 80", "sex == '2' and bp < 80"),
    (DIABETES, "bmi of 30 or more", "bmi >= 30"),
    (DIABETES, "predicted progression above 200", "prediction > 200"),
    (CANCER, "where mean radius is above 15 and it predicts malignant",
     "`mean radius` > 15 and prediction == 'malignant'"),
])
def test_plain_english_conditions_read_as_written(table, text, expected):
    assert read(text, table.schema).text() == expected


def test_a_turn_without_a_condition_reads_as_none():
    assert read("what are the most important features?", PENGUINS.schema) is None


@pytest.mark.parametrize("text", ["island == 'biscoe' and (body_mass_g > 4000 or sex = 'male')",
                                  "island in ['Biscoe', 'Dream']", "`bill_length_mm` <= 40.5", "id < 10"])
def test_the_condition_language_round_trips(text):
    cond = parse(text, PENGUINS.schema)
    assert parse(cond.text(), PENGUINS.schema).text() == cond.text()


def test_conditions_select_the_rows_pandas_selects():
    frame = PENGUINS.frame
    cond = parse("island == 'Biscoe' and body_mass_g > 4000", PENGUINS.schema)
    mask = cond.mask(frame)
    expected = (frame.island == "Biscoe") & (frame.body_mass_g > 4000)
    assert mask.tolist() == expected.tolist() and mask.sum() > 0


def test_a_missing_value_never_matches_equality():
    frame = PENGUINS.frame
    assert parse("sex == 'male'", PENGUINS.schema).mask(frame).sum() == (frame.sex == "male").sum()
    assert parse("sex != 'male'", PENGUINS.schema).mask(frame).sum() == (frame.sex != "male").sum()


@pytest.mark.parametrize(("text", "message"), [
    ("colour == 'red'", "there is no column 'colour'; the columns are: species, island"),
    ("island == 'Atlantis'", "'Atlantis' is not a value of island; its values are: Biscoe, Dream, Torgersen"),
    ("island > 'Biscoe'", "island is a category: compare it with == or !="),
    ("body_mass_g > heavy", "body_mass_g is a number"),
    ("body_mass_g >", "the condition ends too early"),
    ("__import__('os')", "there is no column '__import__'"),
])
def test_bad_conditions_say_what_is_wrong(text, message):
    with pytest.raises(TalkscopeError, match=None) as err:
        parse(text, PENGUINS.schema)
    assert message in str(err.value)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["bill_length_mm", "body_mass_g", "year", "id"]),
                          st.sampled_from([">", ">=", "<", "<=", "==", "!="]),
                          st.integers(min_value=0, max_value=6000)), min_size=1, max_size=4),
       st.sampled_from(["and", "or"]))
def test_any_written_condition_parses_back_to_itself(atoms, op):
    cond = Cond(op, tuple(Atom(c, o, v) for c, o, v in atoms))
    again = parse(cond.text(), PENGUINS.schema)
    assert again.mask(PENGUINS.frame).tolist() == cond.mask(PENGUINS.frame).tolist()


@pytest.mark.parametrize(("table", "text", "expected"), [
    (DIABETES, "bmi = 25", "bmi = 25"),
    (DIABETES, "if her BMI were 25", "bmi = 25"),
    (DIABETES, "10 years older", "age + 10"),
    (DIABETES, "increase bmi by 3", "bmi + 3"),
    (DIABETES, "lower glu by 10", "glu - 10"),
    (PENGUINS, "if it lived on Dream", "island = 'Dream'"),
    (PENGUINS, "body mass to 5000 and flipper length 220", "body_mass_g = 5000, flipper_length_mm = 220"),
])
def test_edits_read_as_written(table, text, expected):
    assert edits.text(edits.parse(text, table.schema)) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("island = 'Atlantis'", "not a value of island"),
    ("species = 'Adelie'", "species is not an input of the model"),
    ("island + 2", "island is a category"),
    ("make it better", "I could not read which values to change"),
])
def test_bad_edits_say_what_is_wrong(text, message):
    with pytest.raises(TalkscopeError) as err:
        edits.parse(text, PENGUINS.schema)
    assert message in str(err.value)


def test_the_bootstrapped_metrics_are_scikit_learns():
    import numpy as np
    from sklearn import metrics as m

    from talkscope.tools.engine.table.fit import label_metrics, value_metrics

    rng = np.random.default_rng(0)
    for k in (2, 3):
        t, p = rng.integers(0, k, 500), rng.integers(0, k, 500)
        got = label_metrics(t, p, k)
        avg = "binary" if k == 2 else "macro"
        assert got["accuracy"] == pytest.approx(m.accuracy_score(t, p))
        assert got["f1"] == pytest.approx(m.f1_score(t, p, average=avg))
        assert got["precision"] == pytest.approx(m.precision_score(t, p, average=avg))
        assert got["recall"] == pytest.approx(m.recall_score(t, p, average=avg))
    y, yhat = rng.normal(size=300), rng.normal(size=300)
    got = value_metrics(y, yhat)
    assert got["mae"] == pytest.approx(m.mean_absolute_error(y, yhat))
    assert got["r2"] == pytest.approx(m.r2_score(y, yhat))
    assert got["rmse"] == pytest.approx(np.sqrt(m.mean_squared_error(y, yhat)))
