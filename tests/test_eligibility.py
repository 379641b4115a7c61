"""Who may join which project, and why not."""

from __future__ import annotations

import pandas as pd

from targeting.data.eligibility import eligible_pairs, ineligibility_reasons


def frames():
    h = pd.DataFrame({
        "household_id": ["a", "b", "c", "d", "e"],
        "commune_id": ["c1", "c1", "c1", "c1", "c2"],
        "village": ["v1", "v1", "v2", "v1", "v9"],
        "status": ["poor", "near_poor", "poor", "poor", "poor"],
        "working_age": [2, 0, 1, 1, 1],
        "land_m2": [2000.0, 3000.0, 100.0, 100.0, 5000.0],
    })
    p = pd.DataFrame({
        "project_id": ["voc", "crop", "vil"],
        "commune_id": ["c1", "c1", "c1"],
        "kind": ["vocational", "crop", "community"],
        "village": ["", "", "v2"],
        "cooperative_id": ["", "", ""],
        "cost_vnd": [5, 8, 9],
        "requires_working_age": [1, 0, 0],
        "min_land_m2": [float("nan"), 500.0, float("nan")],
        "eligible": ["any", "any", "near_poor"],
    })
    return h, p


def test_eligible_pairs():
    h, p = frames()
    pairs = eligible_pairs(h, p)
    got = set(zip(pairs["household_id"], pairs["project_id"]))
    # a: both open projects; b: crop only (no working-age member); c: vocational only (little land;
    # the v2 project admits near-poor only); d: vocational only; e: nothing in its commune
    assert got == {("a", "voc"), ("a", "crop"), ("b", "crop"), ("c", "voc"), ("d", "voc")}
    assert list(pairs.columns) == ["household_id", "project_id", "commune_id", "kind", "cooperative_id", "cost_vnd"]


def test_ineligibility_reasons():
    h, p = frames()
    only_voc = p[p["project_id"] == "voc"]
    r = ineligibility_reasons(h, only_voc)
    assert r["b"] == "no_working_age"
    assert r["e"] == "no_project"
    assert r["a"] is None
    only_crop = p[p["project_id"] == "crop"]
    r = ineligibility_reasons(h, only_crop)
    assert r["c"] == "not_enough_land" and r["d"] == "not_enough_land" and r["b"] is None
    only_vil = p[p["project_id"] == "vil"]
    r = ineligibility_reasons(h, only_vil)
    assert r["c"] == "status" and r["a"] == "no_project"
    listed = pd.DataFrame({"household_id": ["a"], "project_id": ["voc"]})
    r = ineligibility_reasons(h, p, listed)
    assert r["a"] is None and r["d"] == "not_listed" and r["e"] == "no_project"
