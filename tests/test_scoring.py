"""Tests of the scoring model: estimator conventions, safety of model files, scores and reasons."""

from __future__ import annotations

import pickle
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from targeting.config import KINDS
from targeting.errors import ModelError
from targeting.scoring import (
    INTERVENTIONS,
    ExitModel,
    OverlapWarning,
    gains_for_pairs,
    load_model,
    save_model,
    score_households,
    train_model,
)
from targeting.scoring.features import intervention_codes
from targeting.scoring.selection import select_learner
from targeting.synth.heldout import make_history, make_households, true_probabilities

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
P_COLS = [f"p_{k}" for k in INTERVENTIONS]


@pytest.fixture(scope="module")
def history():
    return make_history(3000, seed=0)


@pytest.fixture(scope="module")
def households():
    return make_households(300, seed=5)


@pytest.fixture(scope="module")
def model(history):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OverlapWarning)
        return train_model(history, seed=0, learner="s", cv=2)


@pytest.fixture(scope="module")
def projects():
    return pd.DataFrame({
        "project_id": ["P-cow", "P-voc", "P-rice", "P-vc"],
        "commune_id": ["C0", "C1", "C0", "C2"],
        "name": ["cows", "training", "rice", "tea chain"],
        "kind": ["livestock", "vocational", "crop", "value_chain"],
        "village": ["", "", "V1", ""],
        "cooperative_id": ["", "", "", "COOP1"],
        "cost_vnd": [10_000_000, 5_000_000, 3_000_000, 8_000_000],
        "slots": [10, 10, 10, 10],
        "requires_working_age": [0, 1, 0, 0],
        "min_land_m2": [np.nan, np.nan, 500.0, np.nan],
        "eligible": ["any", "any", "poor", "any"],
    })


def test_predict_proba_all_shape_and_range(model, households):
    P = model.predict_proba_all(households)
    assert list(P.columns) == P_COLS
    assert P.index.equals(households.index)
    assert ((P >= 0) & (P <= 1)).all().all()
    # predict_proba agrees with predict_proba_all for the observed arm.
    h = households.assign(intervention="crop")
    assert np.allclose(model.predict_proba(h)[:, 1], P["p_crop"])


@pytest.mark.slow
def test_same_seed_same_model(history, households):
    a = ExitModel(learner="auto", cv=2, random_state=3).fit(history)
    b = ExitModel(learner="auto", cv=2, random_state=3).fit(history)
    pd.testing.assert_frame_equal(a.predict_proba_all(households), b.predict_proba_all(households))
    assert a.learner_ == b.learner_
    assert a.card_["metrics"] == b.card_["metrics"]


def test_estimator_contract():
    m = ExitModel(learner="t", cv=5)
    assert m.get_params()["learner"] == "t"
    with pytest.raises(TypeError):
        ExitModel("t")  # keyword-only
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError

    assert clone(m).get_params() == m.get_params()
    with pytest.raises(NotFittedError):
        m.predict_proba_all(make_households(5))


def test_gains_for_pairs(model, households, projects):
    from targeting.data.eligibility import eligible_pairs

    pairs = eligible_pairs(households, projects)
    assert len(pairs) > 0
    g = gains_for_pairs(model, households, pairs)
    assert list(g.columns[: len(pairs.columns)]) == list(pairs.columns)
    assert len(g) == len(pairs)
    pd.testing.assert_frame_equal(g[pairs.columns], pairs)
    assert np.allclose(g["gain"], g["p_exit_with"] - g["p_exit_base"])
    P = model.predict_proba_all(households).set_index(households["household_id"])
    row = g.iloc[0]
    assert row["p_exit_base"] == pytest.approx(P.loc[row["household_id"], "p_none"])
    assert row["p_exit_with"] == pytest.approx(P.loc[row["household_id"], f"p_{row['kind']}"])
    empty = gains_for_pairs(model, households, pairs.iloc[:0])
    assert len(empty) == 0 and "gain" in empty


def test_save_load_roundtrip(model, history, households, tmp_path):
    save_model(model, tmp_path / "m", history_df=history)
    for f in ("model.skops", "model_card.json", "model_card.md"):
        assert (tmp_path / "m" / f).is_file()
    m2 = load_model(tmp_path / "m")
    pd.testing.assert_frame_equal(m2.predict_proba_all(households), model.predict_proba_all(households))
    assert m2.card_["name"] and m2.card_["version"] and "brier" in m2.card_["metrics"]
    assert m2.card_["training_data"]["sha256"] == m2.card_["training_data"]["sha256_supplied"]
    assert load_model(tmp_path / "m" / "model.skops").learner_ == model.learner_


class _Payload:
    """Unpickling this writes a file: the attack a pickle-based model loader would run."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (Path.write_text, (Path(self.target), "pwned"))


def test_pickle_payload_refused_without_running(tmp_path):
    marker = tmp_path / "marker.txt"
    bad = tmp_path / "evil"
    bad.mkdir()
    (bad / "model.skops").write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(ModelError, match="not a skops model file"):
        load_model(bad)
    assert not marker.exists()
    # A raw pickle named anything else is refused the same way.
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(ModelError):
        load_model(tmp_path / "model.pkl")
    assert not marker.exists()


class Untrusted:
    def __init__(self):
        self.x = 1


def test_untrusted_types_in_skops_refused(tmp_path):
    import skops.io as sio

    sio.dump({"model": Untrusted()}, tmp_path / "u.skops")
    with pytest.raises(ModelError, match="untrusted type.*Untrusted"):
        load_model(tmp_path / "u.skops")
    with pytest.raises(ModelError, match="not found"):
        load_model(tmp_path / "nothing")
    (tmp_path / "junk.skops").write_bytes(b"PK\x03\x04 broken zip")
    with pytest.raises(ModelError):
        load_model(tmp_path / "junk.skops")


def test_feature_mismatch_names_columns(model, households, projects):
    h = households.drop(columns=["working_age", "road_km"])
    with pytest.raises(ModelError, match=r"working_age, road_km"):
        model.check_features(h)
    with pytest.raises(ModelError, match="road_km"):
        score_households(model, h, projects)
    with pytest.raises(ModelError, match="working_age"):
        model.predict_proba_all(h)


def test_extra_columns_train_without_code_changes(households):
    hist = make_history(800, seed=2)
    rng = np.random.default_rng(0)
    hist["region"] = rng.choice(["north", "south"], len(hist))
    hist["survey_score"] = rng.normal(size=len(hist)).round(2).astype(str)  # text, parses as numbers
    hist["head_name"] = [f"Nguyen Van {i}" for i in range(len(hist))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OverlapWarning)
        m = train_model(hist, seed=0, learner="s", cv=0)
    assert "region" in m.features_.categorical and "survey_score" in m.features_.numeric
    assert "head_name" in m.features_.ignored and "year" in m.features_.ignored
    assert "status" in m.features_.categorical
    with pytest.raises(ModelError, match=r"survey_score, region"):
        m.check_features(households)
    # Training restricted to the columns the households share drops them.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OverlapWarning)
        m2 = train_model(hist, seed=0, learner="s", cv=0, households=households)
    m2.check_features(households)


def test_score_households_format(model, households, projects):
    s = score_households(model, households, projects)
    assert list(s.columns[:8]) == ["household_id", "commune_id", "village", "status", "rank",
                                   "score", "best_kind", "p_exit_base"]
    assert {f"p_{k}" for k in KINDS} <= set(s.columns) and {"reasons_en", "reasons_vi"} <= set(s.columns)
    assert len(s) == len(households)
    for _, g in s.groupby("commune_id"):
        assert sorted(g["rank"]) == list(range(1, len(g) + 1))
        assert (g.sort_values("rank")["score"].diff().dropna() <= 1e-12).all()
    # Score is the probability under the best open kind; without an open project it is the base.
    from targeting.data.eligibility import eligible_pairs

    pairs = eligible_pairs(households, projects)
    open_kinds = pairs.groupby("household_id")["kind"].agg(set)
    for _, r in s.iterrows():
        kinds = open_kinds.get(r["household_id"], set())
        expect = max([r["p_exit_base"], *[r[f"p_{k}"] for k in kinds]])
        assert r["score"] == pytest.approx(expect)
        assert r["best_kind"] in kinds | {"none"}
    item = re.compile(r"^[^;]+ \([+-]\)$")
    for col in ("reasons_en", "reasons_vi"):
        nonempty = s[col][s[col] != ""]
        assert len(nonempty) > 0.8 * len(s)
        for line in nonempty:
            parts = line.split("; ")
            assert 1 <= len(parts) <= 3
            assert all(item.match(p) for p in parts), line
    assert s["reasons_en"].str.contains("working-age member").any()
    assert s["reasons_vi"].str.contains("người trong độ tuổi lao động").any()


def test_reasons_are_faithful(model, households, projects):
    """Each reason's sign is the sign of the change in p when that feature takes its reference."""
    from targeting.scoring.interpret import explain

    s = score_households(model, households.iloc[:40], projects)
    r = explain(model, households.iloc[:40], s["best_kind"].to_numpy())
    names = model.features_.names
    arm = {k: i for i, k in enumerate(INTERVENTIONS)}
    for _, row in r.head(20).iterrows():
        h = households.iloc[[int(row["row"])]]
        Xe = model.features_.encode(h)
        a = np.array([arm[s["best_kind"].iloc[int(row["row"])]]])
        p = model.predict_arm(Xe, a)[0]
        j = names.index(row["feature"])
        Xe[0, j] = model.reference_[j]
        assert p - model.predict_arm(Xe, a)[0] == pytest.approx(row["effect"])


def test_phrases_en_vi():
    from targeting.scoring.interpret import phrase

    assert phrase("working_age", 2.0, "en") == "2 working-age members"
    assert phrase("working_age", 2.0, "vi") == "2 người trong độ tuổi lao động"
    assert phrase("road_km", 12.0, "en") == "12 km from an all-weather road"
    assert phrase("road_km", 12.0, "vi") == "cách đường giao thông 12 km"
    assert phrase("income_vnd", 1250000.0, "vi") == "thu nhập 1.250.000 đồng/người/tháng"
    assert phrase("registered_exit", 1.0, "vi") == "đã đăng ký thoát nghèo"
    assert phrase("region", "north", "en") == "region: north"


def test_overlap_and_few_examples_warn(households):
    hist = make_history(1500, seed=4)
    hist.loc[hist.index[hist["intervention"] == "labour_export"][10:], "intervention"] = "none"
    with pytest.warns(OverlapWarning, match="labour_export"):
        m = train_model(hist, seed=0, learner="s", cv=0)
    with pytest.warns(OverlapWarning, match="labour_export"):
        m.check_overlap(households)


@pytest.mark.slow
def test_recovers_truth_better_than_baseline():
    """On a world with heterogeneous effects the selected model beats the logistic scorecard on
    gains, and its calibrated probabilities are close to the truth."""
    hist = make_history(6000, seed=11)
    h = make_households(2000, seed=12)
    T = true_probabilities(h).to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OverlapWarning)
        best = train_model(hist, seed=0, learner="s", cv=3)
        base = train_model(hist, seed=0, learner="logistic", cv=0)
    Pb, P0 = best.predict_proba_all(h).to_numpy(), base.predict_proba_all(h).to_numpy()
    gain_err = lambda P: np.abs((P[:, 1:] - P[:, [0]]) - (T[:, 1:] - T[:, [0]])).mean()  # noqa: E731
    assert gain_err(Pb) < gain_err(P0)
    # Calibration: on fresh outcomes the reliability error is small and Brier beats a constant.
    fresh = make_history(4000, seed=13)
    y = fresh["sustained_exit"].to_numpy()
    p = best.predict_proba(fresh)[:, 1]
    from targeting.scoring.evaluate import brier, reliability

    assert reliability(p, y)["ece"] < 0.05
    assert brier(p, y) < brier(np.full_like(p, y.mean()), y) - 0.01


def test_cv_on_capped_subsample():
    hist = make_history(900, seed=6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OverlapWarning)
        m = ExitModel(learner="s", cv=2, cv_max_rows=500, random_state=0).fit(hist)
    assert m.cv_rows_ == 500 and m.card_["metrics"]["cv_rows"] == 500
    assert m.training_["rows"] == 900


def test_bad_history_messages():
    hist = make_history(100, seed=1)
    with pytest.raises(ModelError, match="column intervention: expected one of none"):
        train_model(hist.assign(intervention="cash"), cv=0)
    with pytest.raises(ModelError, match="sustained_exit is missing"):
        train_model(hist.drop(columns="sustained_exit"), cv=0)


@pytest.mark.skipif(not (SHARED_DATA / "jtpa" / "jtpa_kt.tab").exists(),
                    reason=f"real trial data not found at {SHARED_DATA} (../shared/data)")
def test_jtpa_trial_loads_as_history():
    """A real randomized trial with foreign columns trains without code changes."""
    j = pd.read_csv(SHARED_DATA / "jtpa" / "jtpa_kt.tab", sep="\t").head(2000)
    hist = pd.DataFrame({"prevearn": j["prevearn"], "edu": j["edu"],
                         "intervention": np.where(j["D"] == 1, "vocational", "none"),
                         "sustained_exit": (j["earnings"] > j["earnings"].median()).astype(int)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OverlapWarning)
        m = train_model(hist, seed=0, learner="logistic", cv=2)
    P = m.predict_proba_all(hist)
    # Randomized: the propensity of vocational is about the design's 2/3 everywhere.
    e = m.propensities(hist)["e_vocational"]
    assert abs(e.mean() - 2 / 3) < 0.03
    assert P["p_none"].between(0, 1).all()


@pytest.mark.parametrize("learner", ["s", "t", "dr", "logistic", "logistic_x"])
@pytest.mark.slow
def test_fast_prediction_equals_sklearn(learner, households):
    """The fast paths (binned trees, logistic weights per arm) give exactly what
    scikit-learn's public predict gives."""
    hist = make_history(1500, seed=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OverlapWarning)
        m = train_model(hist, seed=0, learner=learner, cv=0)
    Xe = m.features_.encode(households)
    est = m.estimator_
    fast = est.predict_all(Xe)
    if learner in ("s", "logistic", "logistic_x"):
        slow = np.column_stack([est.model_.predict_proba(est.design(Xe, a))[:, 1] for a in range(7)])
    else:
        t = est if learner == "t" else est.base_
        m0 = t.models_[0]
        slow0 = m0.predict_proba(Xe)[:, 1]
        assert np.allclose(fast[:, 0], slow0, rtol=0, atol=1e-12)
        a = next(i for i in range(1, 7) if t.models_[i] is not None)
        if learner == "t":
            slow = t.models_[a].predict_proba(Xe)[:, 1]
        else:
            slow = np.clip(slow0 + est.effects_[a].predict(Xe), 0.005, 0.995)
        fast, slow = fast[:, a], slow
    assert np.allclose(fast, slow, rtol=0, atol=1e-12)


def test_hierarchical_scorecard_weights_match_its_design(households):
    """The per-arm weights of ``logistic_h`` reproduce a plain logistic regression on its design,
    with the penalty it chose by inner cross-validation; every arm at once equals one at a time."""
    from sklearn.linear_model import LogisticRegression

    hist = make_history(1500, seed=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OverlapWarning)
        m = train_model(hist, seed=0, learner="logistic_h", cv=0)
    est = m.estimator_
    assert est.C_ in est.Cs and est.ratio_ in est.ratios and len(est.cv_log_loss_) == 10
    Xe = m.features_.encode(hist)
    t = intervention_codes(hist)
    lr = LogisticRegression(C=est.C_, max_iter=500, tol=1e-5).fit(est.design(Xe, t), hist["sustained_exit"])
    Xh = m.features_.encode(households)
    fast = est.predict_all(Xh)
    for a in range(7):
        slow = lr.predict_proba(est.design(Xh, a))[:, 1]
        assert np.allclose(fast[:, a], slow, atol=1e-5)
        assert np.allclose(est.predict_arm(Xh, a), fast[:, a], rtol=0, atol=1e-12)


@pytest.mark.slow
def test_hierarchical_scorecard_interactions_bend_and_cv_is_capped(households):
    """The support slopes use quantile steps of continuous columns (an effect can level off), and
    the penalty search runs on a seeded subsample of at most ``cv_rows`` rows, reproducibly."""
    from targeting.scoring.learners import HierLogisticLearner

    hist = make_history(1500, seed=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OverlapWarning)
        m = train_model(hist, seed=0, learner="logistic_h", cv=0)
    est = m.estimator_
    _, inter = est.basis_masks()
    assert (est.stats_["role"][inter] == 2).sum() >= 5
    W, _ = est.arm_weights()
    assert np.abs(W[est.stats_["role"] == 2][:, 1:] - W[est.stats_["role"] == 2][:, [0]]).max() > 0
    Xe, t, y = m.features_.encode(hist), intervention_codes(hist), hist["sustained_exit"].to_numpy()
    kw = dict(n_arms=7, cat_mask=est.cat_mask, n_cats=est.n_cats, seed=3, cv_rows=600)
    a = HierLogisticLearner(**kw).fit(Xe, t, y)
    b = HierLogisticLearner(**kw).fit(Xe, t, y)
    # another cap, another subsample (not None: the search on all 1,500 rows took 5x as long)
    other = HierLogisticLearner(**{**kw, "cv_rows": 900}).fit(Xe, t, y)
    assert a.cv_log_loss_ == b.cv_log_loss_ and a.cv_log_loss_ != other.cv_log_loss_
    assert np.array_equal(a.predict_all(Xe[:50]), b.predict_all(Xe[:50]))


@pytest.mark.slow
def test_hierarchical_scorecard_finds_heterogeneous_gains():
    """On a small history from a world whose effects depend on the household, the scorecard with
    shrunken interactions estimates gains closer to the truth than the constant-effect one."""
    hist = make_history(2000, seed=11)
    h = make_households(2000, seed=12)
    T = true_probabilities(h).to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OverlapWarning)
        hx = train_model(hist, seed=0, learner="logistic_h", cv=0)
        base = train_model(hist, seed=0, learner="logistic", cv=0)
    gt = T[:, 1:] - T[:, [0]]
    corr = lambda P: np.corrcoef((P[:, 1:] - P[:, [0]]).ravel(), gt.ravel())[0, 1]  # noqa: E731
    assert corr(hx.predict_proba_all(h).to_numpy()) > corr(base.predict_proba_all(h).to_numpy()) + 0.02


def test_stepwise_scorecard_weights_match_its_design(households):
    """``logistic_s``'s per-arm weights (its entered terms folded in) reproduce a plain logistic
    regression on its design, with the penalty it chose; one arm at a time equals all at once."""
    from sklearn.linear_model import LogisticRegression

    hist = make_history(3000, seed=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OverlapWarning)
        m = train_model(hist, seed=0, learner="logistic_s", cv=0)
    est = m.estimator_
    assert est.C_ in est.Cs and len(est.cv_log_loss_) == len(est.Cs)
    assert est.terms_ and len(est.z_) == len(est.terms_) and min(map(abs, est.z_)) >= est.z_crit
    Xe, t = m.features_.encode(hist), intervention_codes(hist)
    lr = LogisticRegression(C=est.C_, max_iter=1000, tol=1e-6).fit(est.design(Xe, t), hist["sustained_exit"])
    Xh = m.features_.encode(households)
    fast = est.predict_all(Xh)
    for a in range(7):
        assert np.allclose(fast[:, a], lr.predict_proba(est.design(Xh, a))[:, 1], atol=1e-5)
        assert np.allclose(est.predict_arm(m.features_.encode(households), a), fast[:, a], rtol=0, atol=1e-12)


@pytest.mark.slow
def test_stepwise_scorecard_finds_the_effects_that_vary():
    """On a history from a world whose effects depend on the household (not the synth world it
    was tuned on), the terms the score tests let in give gains closer to the truth than both the
    constant-effect scorecard and the uniformly shrunken one. With outcomes that are pure noise a
    few terms pass the (deliberately liberal) threshold, but the effects they make vary little."""
    h = make_households(2000, seed=12)
    T = true_probabilities(h).to_numpy()
    gt = T[:, 1:] - T[:, [0]]
    corr = lambda P: np.corrcoef((P[:, 1:] - P[:, [0]]).ravel(), gt.ravel())[0, 1]  # noqa: E731
    logit = lambda P: np.log(P / (1 - P))  # noqa: E731
    spread = lambda P: (logit(P[:, 1:]) - logit(P[:, [0]])).std(axis=0)  # noqa: E731
    hist = make_history(4000, seed=11)
    lab = list(KINDS).index("labour_export")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OverlapWarning)
        fits = {c: train_model(hist, seed=0, learner=c, cv=0) for c in ("logistic", "logistic_h", "logistic_s")}
        P = {c: m.predict_proba_all(h).to_numpy() for c, m in fits.items()}
        noise = hist.assign(sustained_exit=np.random.default_rng(5).binomial(1, 0.3, len(hist)))
        m0 = train_model(noise, seed=0, learner="logistic_s", cv=0)
    r = {c: corr(p) for c, p in P.items()}
    assert r["logistic_s"] > r["logistic_h"] + 0.03 and r["logistic_s"] > r["logistic"] + 0.2
    # labour export's effect grows with working-age members: a term for it enters, and it varies
    assert any(g == 1 + lab for g, _, _ in fits["logistic_s"].estimator_.terms_)
    assert spread(P["logistic_s"])[lab] > 0.4
    assert len(m0.estimator_.terms_) < 8 and spread(m0.predict_proba_all(h).to_numpy()).max() < 0.15


def test_stepwise_scorecard_with_one_kind_of_support_tests_each_term_once():
    """With only one kind of support in the history, "any support" and that kind are the same
    rows: a term must not enter twice (as a penalised duplicate its score test is meaningless)."""
    hist = make_history(6000, seed=3)
    hist = hist[hist["intervention"].isin(["none", "labour_export"])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OverlapWarning)
        est = train_model(hist, seed=0, learner="logistic_s", cv=0).estimator_
    lab = 1 + list(KINDS).index("labour_export")
    assert est.terms_ and {g for g, _, _ in est.terms_} == {lab}
    assert len({c for _, c, _ in est.terms_}) == len(est.terms_)


@pytest.mark.parametrize("learner", ["t", "dr", "logistic", "logistic_x", "logistic_h", "logistic_s"])
@pytest.mark.slow
def test_every_learner_saves_with_trusted_types_only(learner, households, tmp_path):
    hist = make_history(1200, seed=9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OverlapWarning)
        m = train_model(hist, seed=0, learner=learner, cv=2)
    save_model(m, tmp_path / learner)
    m2 = load_model(tmp_path / learner)
    pd.testing.assert_frame_equal(m2.predict_proba_all(households), m.predict_proba_all(households))
    card = __import__("json").loads((tmp_path / learner / "model_card.json").read_text(encoding="utf-8"))
    assert card["estimator"] == learner and card["metrics"]["cv_folds"] == 2
    assert "Unconfoundedness" in (tmp_path / learner / "model_card.md").read_text(encoding="utf-8")


def test_bundled_model_loads_and_scores_the_sample():
    from targeting.config import bundled_model, bundled_sample
    from targeting.data import read_scenario

    if not (bundled_model() / "model.skops").exists() or not bundled_sample().exists():
        pytest.skip("bundled model or sample not present")
    m = load_model(bundled_model())
    assert "SYNTHETIC" in m.card_.get("note", "")
    sc = read_scenario(bundled_sample())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OverlapWarning)
        s = score_households(m, sc.households, sc.projects)
    assert len(s) == len(sc.households) and s["score"].between(0, 1).all()


def test_auuc_rows_average_to_the_auuc():
    from targeting.scoring import evaluate as ev

    rng = np.random.default_rng(0)
    n = 997
    t, y = rng.integers(0, 3, n), rng.integers(0, 2, n)
    e, mu, tau = np.full((n, 3), 1 / 3), rng.random((n, 3)), rng.random(n)
    for kw in ({}, {"mu": mu}):
        assert np.isclose(ev.auuc_rows(tau, t, y, e, 1, **kw).mean(),
                          ev.uplift_curve(tau, t, y, e, 1, **kw)["auuc"], rtol=0, atol=1e-12)


def test_auto_prefers_logistic_h_when_its_log_loss_is_within_noise():
    rng = np.random.default_rng(0)
    base = rng.uniform(0.2, 0.8, 2000)
    res = {c: {"brier": 0.130, "log_loss": 0.410, "uplift_auuc": 0.0} for c in ("logistic", "logistic_h")}
    terms = {c: np.zeros(2000) for c in res}
    near = {"logistic": base, "logistic_h": base + rng.normal(0.001, 0.05, 2000)}
    res["logistic_h"]["log_loss"] = 0.411
    assert select_learner(res, terms, near) == "logistic_h"
    far = {"logistic": base, "logistic_h": base + rng.normal(0.02, 0.05, 2000)}
    res["logistic_h"]["log_loss"] = 0.430
    assert select_learner(res, terms, far) == "logistic"


@pytest.mark.parametrize("z_crit", [99.0, 2.5])
@pytest.mark.slow
def test_auto_gives_the_stepwise_scorecard_its_part_by_its_terms(monkeypatch, z_crit):
    """logistic_s without terms is the constant-effect scorecard: it does not compete (logistic_h
    stays preferred). With a term as strong as STRONG_Z it becomes the preferred learner, and the
    model keeps that very fit."""
    from targeting.scoring import learners, selection

    monkeypatch.setitem(learners.LEARNERS, "logistic_s", (learners.StepLogisticLearner, {"z_crit": z_crit}))
    monkeypatch.setattr(selection, "CANDIDATES", ("logistic", "logistic_h", "logistic_s"))
    seen = {}

    def spy(res, terms=None, losses=None, preferred=selection.PREFERRED):
        seen.update(contenders=set(res), preferred=preferred)
        return select_learner(res, terms, losses, preferred)

    monkeypatch.setattr(selection, "select_learner", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OverlapWarning)
        m = train_model(make_history(4000, seed=11), seed=0)
    assert "logistic_s" in m.cv_results_
    if z_crit > 50:
        assert seen == {"contenders": {"logistic", "logistic_h"}, "preferred": "logistic_h"}
        assert m.learner_ != "logistic_s"
    else:
        assert "logistic_s" in seen["contenders"]
        # this history's effects vary strongly (labour export with working-age members)
        assert seen["preferred"] == "logistic_s"
        if m.learner_ == "logistic_s":
            assert max(map(abs, m.estimator_.z_)) >= selection.STRONG_Z


def test_select_keeps_the_preferred_learner_it_is_given():
    rng = np.random.default_rng(1)
    res = {c: {"brier": 0.130, "log_loss": 0.410, "uplift_auuc": 0.0} for c in ("logistic_h", "logistic_s")}
    base = rng.normal(0.4, 0.05, 2000)
    near = {"logistic_h": base, "logistic_s": base + rng.normal(0.001, 0.05, 2000)}
    terms = {c: np.zeros(2000) for c in res}
    res["logistic_s"]["log_loss"] = 0.411
    assert select_learner(res, terms, near, preferred="logistic_s") == "logistic_s"
    assert select_learner(res, terms, near) == "logistic_h"


def test_learners_keep_the_names_model_files_use():
    """Model files name each learner by its public package (so files saved before the learners
    were split into modules still load); every learner is a scikit-learn style estimator."""
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError

    from targeting.scoring import TRUSTED_TYPES
    from targeting.scoring.learners import LEARNERS, PropensityModel, make_learner

    for cls in {c for c, _ in LEARNERS.values()} | {PropensityModel}:
        assert cls.__module__ == "targeting.scoring.learners"
        assert f"{cls.__module__}.{cls.__qualname__}" in TRUSTED_TYPES
    for name in LEARNERS:
        est = make_learner(name, n_arms=7, cat_mask=np.zeros(3, dtype=bool), n_cats=[], seed=1,
                           max_iter=20, min_examples=5)
        assert clone(est).get_params().keys() == est.get_params().keys() and "cat_mask" in est.get_params()
        with pytest.raises(NotFittedError):
            est.predict_all(np.zeros((2, 3)))


@pytest.mark.parametrize("learner", ["logistic", "logistic_x", "logistic_h", "logistic_s"])
def test_scorecard_explanations_equal_setting_each_column_and_predicting_again(learner, households):
    """The scorecards' quick replacement (bases built once, only a column's own bases moved)
    gives the probabilities that setting the column and predicting again gives, on numeric and
    categorical columns, missing values included, for a mix of arms."""
    from targeting.scoring.learners.common import replaced_generic

    hist = make_history(1200, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OverlapWarning)
        m = train_model(hist, seed=0, learner=learner, cv=0)
    est = m.estimator_
    h = households.copy()
    h.loc[h.index[::7], "land_m2"] = np.nan  # missing values go to the median basis
    Xh = m.features_.encode(h)
    arm = np.arange(len(Xh)) % 7
    cols = list(range(Xh.shape[1]))
    refs = [m.reference_[j] for j in cols]
    fast_p, fast = est.replaced_arm(Xh, arm, cols, refs)
    slow_p, slow = replaced_generic(est, Xh, arm, cols, refs)
    assert np.allclose(fast_p, slow_p, rtol=0, atol=1e-12)
    assert any(not np.allclose(s, slow_p) for s in slow)  # some column matters
    for j, (f, s) in enumerate(zip(fast, slow)):
        assert np.allclose(f, s, rtol=0, atol=1e-10), m.features_.names[j]


def test_a_category_the_model_never_saw_is_unknown_without_a_pandas_warning():
    """An unseen category (and a missing one) encodes as NaN; pandas 4 refuses to build a
    Categorical from values outside its categories, so the encoding must not rely on it."""
    from targeting.scoring.features import FeatureSpec

    spec = FeatureSpec(numeric=["land_m2"], categorical={"ethnicity": ["kinh", "tay"]}, ignored=[])
    frame = pd.DataFrame({"land_m2": [1.0, 2.0, 3.0], "ethnicity": ["tay", "hmong", None]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X = spec.encode(frame)
    assert X[:, 1][0] == 1 and np.isnan(X[:, 1][1:]).all()
