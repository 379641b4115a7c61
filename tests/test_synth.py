"""The synthetic world: determinism, the seed communes' stated counts, a valid scenario."""

from __future__ import annotations

import numpy as np

from targeting import synth
from targeting.config import KINDS
from targeting.data import read_scenario
from targeting.data.standards import classify

from .support import digest


def test_same_seed_byte_identical(tmp_path):
    a = synth.write_world(synth.make_world(seed=3, communes=2, households=300), tmp_path / "a")
    b = synth.write_world(synth.make_world(seed=3, communes=2, households=300), tmp_path / "b")
    c = synth.write_world(synth.make_world(seed=4, communes=2, households=300), tmp_path / "c")
    assert digest(a) == digest(b)
    assert digest(a)["households.csv"] != digest(c)["households.csv"]


def test_seed_communes_counts():
    w = synth.make_world(seed=0)
    h = w.households
    counts = h.groupby(["commune_id", "status"]).size()
    assert counts["phong_quang", "poor"] == 117
    assert counts["phong_quang", "near_poor"] == 100
    assert counts["thuong_quan", "poor"] == 497
    tq_poor = h[(h.commune_id == "thuong_quan") & (h.status == "poor")]
    assert tq_poor["ethnic_minority"].sum() == 417
    c = w.communes.set_index("commune_id")
    assert c.loc["phong_quang", "households_total"] == 1480
    assert c.loc["thuong_quan", "households_total"] == 776
    assert c.loc["phong_quang", "target_poor"] == 52
    # 4 villages of Thuong Quan are off the grid
    tq = h[h.commune_id == "thuong_quan"]
    off = tq.groupby("village")["grid_power"].max()
    assert (off == 0).sum() == 4
    # over 50% poor + near-poor in the other named communes
    for cid in ("hiep_luc", "xuan_duong", "nghien_loan", "cao_minh", "na_phac", "thuong_quan"):
        assert (h.commune_id == cid).sum() / c.loc[cid, "households_total"] > 0.5
    # cooperatives serve several communes
    vc = w.projects[w.projects.kind == "value_chain"]
    assert (vc.groupby("cooperative_id")["commune_id"].nunique() > 1).any()


def test_status_consistent_with_standard():
    w = synth.make_world(seed=1, communes=3)
    derived = classify(w.households.drop(columns="status"), "vn-2022-2025")["status"]
    assert (derived == w.households["status"]).all()


def test_written_world_is_a_valid_scenario(tmp_path):
    folder = synth.write_world(synth.make_world(seed=2, communes=9, households=800), tmp_path / "w")
    sc = read_scenario(folder)
    assert len(sc.communes) == 9
    assert sc.history is not None and {"intervention", "sustained_exit"} <= set(sc.history.columns)
    # the ground truth is not in any file
    for name in ("households.csv", "history.csv"):
        header = (folder / name).read_text(encoding="utf-8").splitlines()[0]
        assert "true" not in header and "p_exit" not in header


def test_ground_truth_shape():
    w = synth.make_world(seed=0, communes=2)
    h = w.households
    p0 = synth.true_probability(h, "none")
    assert ((p0 > 0) & (p0 < 1)).all()
    no_wa = h["working_age"] == 0
    # no working-age member: labour export and vocational training add nothing
    for k in ("labour_export", "vocational", "livestock"):
        gain = synth.true_probability(h, k) - p0
        assert np.allclose(gain[no_wa], 0)
        assert (gain[~no_wa] >= 0).all()
    little_land = h["land_m2"] < 500
    assert np.allclose((synth.true_probability(h, "crop") - p0)[little_land], 0)
    cap = synth.true_capacity(h)
    assert (cap >= p0 - 1e-12).all()


def test_history_support_is_targeted():
    w = synth.make_world(seed=0)
    hist = w.history
    supported = hist["intervention"] != "none"
    # registered households were supported more often (past support was not random)
    r = hist.groupby("registered_exit").apply(lambda g: (g["intervention"] != "none").mean())
    assert r[1] > r[0] + 0.1
    assert not ((hist["working_age"] == 0) & hist["intervention"].isin(["labour_export", "vocational"])).any()
    assert supported.mean() > 0.2


def test_heldout_world_is_not_the_synthetic_truth():
    """The held-out world's outcomes follow its own truth, which is not the world's."""
    from targeting.synth.heldout import make_history, make_households, true_probabilities

    h = make_households(2000, seed=1)
    T = true_probabilities(h).to_numpy()
    assert T.shape == (len(h), 1 + len(KINDS)) and ((T > 0) & (T < 1)).all()
    ours = np.column_stack([synth.true_probability(h, k) for k in ("none", *KINDS)])
    assert np.abs(T - ours).mean() > 0.05
    hist = make_history(20_000, seed=0)
    arm = hist["intervention"].map({k: i for i, k in enumerate(("none", *KINDS))}).to_numpy()
    p = true_probabilities(hist).to_numpy()[np.arange(len(hist)), arm]
    # outcomes are drawn from the held-out truth: the exit rate matches its mean within sampling error
    assert abs(hist["sustained_exit"].mean() - p.mean()) < 3 * np.sqrt(p.mean() * (1 - p.mean()) / len(p))
    # the untargeted history gives every arm about the same share
    shares = make_history(7000, seed=0, targeted=False)["intervention"].value_counts(normalize=True)
    assert len(shares) == 1 + len(KINDS) and (abs(shares - 1 / 7) < 0.03).all()


def test_gains_are_probability_differences():
    w = synth.make_world(seed=0, communes=1)
    pairs = w.households[["household_id"]].iloc[:50].assign(kind="crop")
    g = synth.true_gains(w.households, pairs)
    h = w.households.iloc[:50]
    assert np.allclose(g, synth.true_probability(h, "crop") - synth.true_probability(h, "none"))
    z = synth.base_log_odds(h) + synth.effect_log_odds(h, "crop")
    assert np.allclose(synth.true_probability(h, "crop"), 1 / (1 + np.exp(-z)))
