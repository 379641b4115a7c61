"""The command line: parse, call the library, print. No domain logic lives here.

Exit status: 0 done; 2 bad usage or invalid input; 3 the policy cannot be met; 1 anything else.
"""

from __future__ import annotations

import logging
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from . import __version__
from .config import BUDGET_SPLITS, STRATEGIES
from .errors import TargetingError

STRATEGY_CHOICE = click.Choice(STRATEGIES)


def engine_options(f):
    """``--engine`` and ``--scheduler``, shared by the commands that score or allocate."""
    f = click.option("--scheduler", metavar="ADDRESS",
                     help="Dask scheduler to run on (e.g. tcp://10.0.0.5:8786); only with --engine dask. "
                     "Without it --engine dask starts a local cluster of 2 worker processes.")(f)
    return click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
                        help="Where to score and solve: this machine, or a Dask cluster "
                        '(pip install "targeting[distributed]").')(f)


def scenario_options(out_help: str):
    """SCENARIO, ``--model``, ``--out`` and ``--force``, shared by score, allocate and compare."""
    def decorate(f):
        f = click.option("--force", is_flag=True, help="Replace --out if it exists.")(f)
        f = click.option("--model", "model_path", type=click.Path(path_type=Path),
                         help="A scoring model folder.")(f)
        f = click.option("--out", "out", required=True, type=click.Path(path_type=Path), help=out_help)(f)
        return click.argument("scenario", type=click.Path(path_type=Path))(f)
    return decorate


def decisions_option(f):
    """``--decisions FILE``, shared by plan and allocate."""
    return click.option("--decisions", type=click.Path(path_type=Path),
                        help="What the village meeting decided (decisions.csv format); read instead "
                        "of the scenario's decisions.csv.")(f)


def _read_decisions(path: Path | None, sc):
    from .data.decisions import read_decisions

    return None if path is None else read_decisions(path, sc.households, sc.projects, sc.inputs)


def _check_engine(engine: str, scheduler: str | None) -> None:
    # Checked before any work, like every conflicting option.
    if scheduler is not None and engine != "dask":
        raise click.UsageError("--scheduler is only used with --engine dask")


class Failure(click.ClickException):
    """A domain error shown as one clear message, with the exit status of its kind."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


@contextmanager
def domain_errors():
    """Turn the library's exceptions into one-line messages with the right exit status."""
    try:
        yield
    except TargetingError as e:
        raise Failure(str(e), e.exit_code) from None
    except KeyboardInterrupt:
        raise Failure("interrupted; nothing was written", 130) from None
    except click.ClickException:
        raise
    except Exception as e:
        if _TERMINATED:
            # A signal raised inside native code can surface as another exception.
            raise Failure("interrupted; nothing was written", 130) from None
        logging.getLogger("targeting").debug("unexpected error", exc_info=True)
        raise Failure(
            f"unexpected error: {type(e).__name__}: {e} (nothing was written; run with -v to see the "
            "traceback, and please report it)",
            1,
        ) from None


class _Progress:
    """Progress messages on stderr: a rich status line on a terminal, quiet otherwise."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet or not sys.stderr.isatty()
        self._status = None
        if not self.quiet:
            from rich.console import Console

            self.console = Console(stderr=True)

    def __call__(self, msg: str) -> None:
        if self.quiet:
            return
        if self._status is None:
            self._status = self.console.status(msg)
            self._status.start()
        else:
            self._status.update(msg)
        self.console.log(msg)

    def stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None


@contextmanager
def progress(quiet: bool = False):
    p = _Progress(quiet)
    try:
        yield p
    finally:
        p.stop()


def _read(scenario):
    from .config import bundled_sample
    from .data import read_scenario

    path = Path(scenario) if scenario else bundled_sample()
    return read_scenario(path)


_TERMINATED = False


def _interrupt_on_sigterm() -> None:
    """Treat SIGTERM like Ctrl-C, so a stopped run removes its temporary folder."""
    import signal
    import threading

    def handler(signum, frame):
        global _TERMINATED
        _TERMINATED = True
        raise KeyboardInterrupt(f"signal {signum}")

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="targeting")
@click.option("-v", "--verbose", is_flag=True, help="Log what the engine does (for operators), on stderr.")
def main(verbose: bool) -> None:
    """Who gets which livelihood support, so the most households leave poverty for good.

    Scores households on their chance of a sustained exit from poverty with and without each
    kind of support, and allocates project places and cooperative linkages within each
    commune's budget for the most expected sustained exits.
    """
    _interrupt_on_sigterm()
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if verbose:
        logging.getLogger("targeting").setLevel(logging.DEBUG)


@main.command()
@click.argument("scenario", required=False, type=click.Path(path_type=Path))
@click.option("--out", "out", type=click.Path(path_type=Path), default=Path("plan"), show_default=True,
              help="The plan folder to write.")
@click.option("--model", "model_path", type=click.Path(path_type=Path),
              help="A scoring model folder (from `targeting train`).")
@click.option("--strategy", type=STRATEGY_CHOICE, help="Allocation strategy (default: scenario.toml's, else optimal).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), help="Solver time limit in seconds.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
              help="Language of the beneficiary lists.")
@click.option("--force", is_flag=True, help="Replace the plan folder if it exists.")
@click.option("--public", is_flag=True, help="Lists for public posting: household ids pseudonymised with "
              "the commune's key, no exact incomes.")
@click.option("--key-file", type=click.Path(path_type=Path), help="The commune's secret key for --public "
              "(else the TARGETING_PUBLIC_KEY variable).")
@click.option("-q", "--quiet", is_flag=True, help="No progress display.")
@decisions_option
@engine_options
def plan(scenario, out, model_path, strategy, time_limit, lang, force, public, key_file, quiet, decisions,
         engine, scheduler):
    """Plan a scenario end to end and write the plan folder.

    Validates SCENARIO, derives missing statuses, scores households, allocates support and
    writes allocation.csv, summary.csv, plan.json, beneficiaries.xlsx and report.html to --out.
    With no SCENARIO it plans the bundled sample (data_samples/thai_nguyen).
    """
    from .engine import open_engine
    from .plan import make_plan, write_plan
    from .privacy import public_plan, read_key

    if key_file is not None and not public:
        raise click.UsageError("--key-file is only used with --public")
    _check_engine(engine, scheduler)
    with domain_errors(), progress(quiet) as say, _claim(out, force):
        key = read_key(key_file) if public else None
        sc = _read(scenario)
        say(f"read {sc.path}: {len(sc.households)} households, {len(sc.projects)} projects")
        decided = _read_decisions(decisions, sc)
        with open_engine(engine, scheduler) as eng:
            p = make_plan(sc, model_path=model_path, strategy=strategy, time_limit_s=time_limit, progress=say,
                          engine=eng, decisions=decided)
        if key is not None:
            p = public_plan(p, key)
        say(f"writing {out}")
        write_plan(p, out, force=force, lang=lang)
    _print_plan(p, out)


def _refuse_existing(out: Path, force: bool) -> None:
    # Checked before any work, so a long run does not end in this error.
    from .errors import OutputExistsError

    if out.exists() and not force:
        raise OutputExistsError(f"{out} already exists; use --force to replace it")


@contextmanager
def _claim(out: Path, force: bool):
    """Refuse an existing --out without --force, then hold --out's lock for the whole run, so
    that of two runs writing the same folder at once the second fails before its work."""
    from .output.files import hold_output

    _refuse_existing(out, force)
    with hold_output(out):
        yield


def _print_plan(p, out: Path) -> None:
    m = p.meta
    gap = "n/a" if m["gap"] is None else f"{m['gap']:.4%}"
    bound = "n/a" if m["bound"] is None else f"{m['bound']:.3f}"
    click.echo(
        f"{m['strategy']}: {m['status']}; objective {m['objective']:.3f} added sustained exits, "
        f"bound {bound}, gap {gap}, {m['solve_seconds']:.2f}s; {m['supported']} households supported"
    )
    d = m.get("decisions")
    if d is not None:
        click.echo(f"decisions: {d['assign']} assign, {d['exclude']} exclude, {d['decline']} decline; "
                   f"{d['exits_cost']:.3f} expected exits fewer than without them "
                   f"({d['objective_without']:.3f})")
        pr = d.get("prices")
        if pr and pr["upper_bound"]:
            click.echo(f"decision prices: {pr['exact']} exact, {pr['upper_bound']} upper bounds "
                       "(time_limit_s ran out; see plan.json decisions.prices)")
    s = p.summary
    for r in s.itertuples(index=False):
        exits = "" if r.expected_exits != r.expected_exits else f", expected exits {r.expected_exits:.1f}"
        click.echo(f"  {r.commune_id}: {r.supported} supported, {r.spent_vnd:,} of {r.budget_vnd:,} VND{exits}")
    click.echo(f"plan written to {out}")


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path))
def validate(scenario):
    """Check every file of SCENARIO against the data contract; list every problem."""
    from .data import read_scenario
    from .errors import ScenarioError

    try:
        sc = read_scenario(scenario)
    except ScenarioError as e:
        if e.problems:
            for pr in e.problems:
                click.echo(str(pr), err=True)
            n = len(e.problems)
            raise Failure(f"{scenario}: {n} problem{'s' if n != 1 else ''}", 2) from None
        raise Failure(str(e), 2) from None
    derived = " (status derived with " + sc.settings.standard_name + ")" if sc.status_derived else ""
    click.echo(
        f"{scenario}: valid; {len(sc.communes)} communes, {len(sc.households)} households{derived}, "
        f"{len(sc.projects)} projects, {len(sc.cooperatives)} cooperatives"
        + (f", {len(sc.history)} history rows" if sc.history is not None else "")
        + (f", {len(sc.gains)} gains" if sc.gains is not None else "")
    )


@main.command()
@click.argument("households", type=click.Path(path_type=Path))
@click.option("--standard", default="vn-2022-2025", show_default=True,
              help="Poverty standard: vn-2022-2025 (also 2026) or vn-2027-2030.")
@click.option("--score-line-rural", type=click.IntRange(min=0), default=None,
              help="Income-score line (points), rural, for rows without income_vnd [default: the standard's].")
@click.option("--score-line-urban", type=click.IntRange(min=0), default=None,
              help="Income-score line (points), urban, for rows without income_vnd [default: the standard's].")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="CSV or XLSX file to write.")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
def classify(households, standard, score_line_rural, score_line_urban, out, force):
    """Add the official status and the deprivation count to a households table."""
    from .commands import classify_file

    with domain_errors():
        counts = classify_file(households, out, standard=standard, force=force,
                               score_line_rural=score_line_rural, score_line_urban=score_line_urban)
    click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()) + f"; written to {out}")


@main.command()
@click.argument("history", type=click.Path(path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Model folder to write.")
@click.option("--seed", default=0, show_default=True, help="Random seed.")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
def train(history, out, seed, force):
    """Train, cross-validate and save the scoring model with its model card."""
    from .commands import train_file

    with domain_errors(), progress() as say, _claim(out, force):
        say(f"training on {history}")
        card = train_file(history, out, seed=seed, force=force)
    metrics = card.get("metrics", {})
    click.echo(f"model {card.get('name', '')} ({card.get('estimator', '?')}) written to {out}; "
               "its card: model_card.md")
    for k, v in metrics.items():
        if isinstance(v, int | float):
            click.echo(f"  {k}: {v:.4g}")


@main.command()
@click.argument("plan_dir", type=click.Path(path_type=Path))
@click.option("--after", "after", required=True, type=click.Path(path_type=Path),
              help="The poor / near-poor register one year after the plan (households.csv format).")
@click.option("--followup", type=click.Path(path_type=Path),
              help="The register two years after that: who stayed out of poverty.")
@click.option("--scenario", "scenario", type=click.Path(path_type=Path),
              help="The scenario the plan was made from, for history.csv [default: the one plan.json names].")
@click.option("--standard", default=None,
              help="Standard to classify register rows without a status [default: the plan's, with "
                   "its score lines; another standard uses its own published lines].")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="The review folder to write.")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
def review(plan_dir, after, followup, scenario, standard, out, force):
    """Check a plan that was carried out against the registers that followed.

    Writes transitions.csv (the movements of the annual report), outcomes.csv (per household),
    review.json (forecast beside outcome per commune, exit rates, calibration), with --followup
    history.csv (rows to append to the province's history) and report.html.
    """
    from .review import review_plan, write_review

    with domain_errors(), progress() as say, _claim(out, force):
        say(f"reviewing {plan_dir}")
        r = review_plan(plan_dir, after, followup, scenario=scenario, standard=standard)
        write_review(r, out, force=force)
    _print_review(r, out)


def _print_review(r, out: Path) -> None:
    s = r.summary
    a = s["all"]
    what = "sustained exits" if s["measure"] == "sustained_exit" else "exits one year on (sustained: not yet known)"
    line = f"{a['households']} households reviewed: {a['exits']} {what}"
    if "expected_exits" in a:
        line += f"; the plan forecast {a['expected_exits']:.1f} (p10-p90 {a['exits_p10']}-{a['exits_p90']})"
    click.echo(line)
    for c, v in s["communes"].items():
        band = f", forecast {v['expected_exits']:.1f} ({v['exits_p10']}-{v['exits_p90']})" if "expected_exits" in v else ""
        click.echo(f"  {c}: {v['exits']} of {v['households']}{band}")
    if "share_inside_band" in s and s["share_inside_band"] is not None:
        click.echo(f"communes inside their forecast band: {s['share_inside_band']:.0%} (about 80% if calibrated)")
    click.echo(f"review written to {out}")


@main.command()
@scenario_options("CSV file to write.")
@engine_options
def score(scenario, model_path, out, force, engine, scheduler):
    """Rank households by their capacity to exit poverty sustainably, with reasons."""
    from .engine import open_engine
    from .output.files import write_table_atomically
    from .plan import score_scenario

    _check_engine(engine, scheduler)
    with domain_errors(), progress() as say, _claim(out, force):
        sc = _read(scenario)
        with open_engine(engine, scheduler) as eng:
            scores = score_scenario(sc, model_path, say, engine=eng)
        write_table_atomically(scores, out, force=force)
    click.echo(f"{len(scores)} households scored; written to {out}")


@main.command()
@scenario_options("Plan folder to write.")
@click.option("--strategy", type=STRATEGY_CHOICE, help="Allocation strategy.")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), help="Solver time limit in seconds.")
@decisions_option
@engine_options
def allocate(scenario, model_path, out, strategy, time_limit, force, decisions, engine, scheduler):
    """The optimizer alone: allocation.csv, summary.csv and plan.json."""
    from .engine import open_engine
    from .plan import make_plan, write_plan

    _check_engine(engine, scheduler)
    with domain_errors(), progress() as say, _claim(out, force):
        sc = _read(scenario)
        decided = _read_decisions(decisions, sc)
        with open_engine(engine, scheduler) as eng:
            p = make_plan(sc, model_path=model_path, strategy=strategy, time_limit_s=time_limit, progress=say,
                          engine=eng, decisions=decided)
        write_plan(p, out, force=force, files=("allocation.csv", "summary.csv", "plan.json"))
    _print_plan(p, out)


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Folder to write.")
@click.option("--strategies", default=",".join(STRATEGIES), show_default=True,
              help="Comma-separated strategies.")
@click.option("--model", "model_path", type=click.Path(path_type=Path), help="A scoring model folder.")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), help="Solver time limit in seconds.")
@click.option("--curve/--no-curve", default=True, show_default=True,
              help="Also re-solve at other budgets for the budget-exits curve.")
@click.option("--splits", default=None,
              help="Comma-separated province budget splits (fixed, proportional, optimal): each "
                   "strategy under each (default: the scenario's [policy] budget_split).")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.option("--sweep", "sweep", metavar="KEY=v1,v2,...",
              help="Plan again at each value of one setting, every strategy: a numeric [policy] key "
              "(e.g. min_ethnic_minority_share=0,0.2,0.4) or budget_scale=0.5,1,1.5,2. "
              "comparison.csv then has one row per value and strategy.")
@engine_options
def compare(scenario, out, strategies, model_path, time_limit, curve, splits, force, sweep, engine, scheduler):
    """Run several strategies on one scenario and set their outcomes side by side."""
    from .compare import compare_strategies, parse_sweep, write_comparison
    from .engine import open_engine

    names = [s.strip() for s in strategies.split(",") if s.strip()]
    bad = [s for s in names if s not in STRATEGY_CHOICE.choices]
    if bad or not names:
        raise click.BadParameter(
            f"unknown strategy {', '.join(bad) or '(none)'}; expected some of {', '.join(STRATEGY_CHOICE.choices)}",
            param_hint="--strategies",
        )
    split_names = None if splits is None else [s.strip() for s in splits.split(",") if s.strip()]
    if split_names is not None and (not split_names or set(split_names) - set(BUDGET_SPLITS)):
        raise click.BadParameter(
            f"unknown split {', '.join(sorted(set(split_names) - set(BUDGET_SPLITS))) or '(none)'}; "
            f"expected some of {', '.join(BUDGET_SPLITS)}", param_hint="--splits")
    _check_engine(engine, scheduler)
    with domain_errors():
        swept = None if sweep is None else parse_sweep(sweep)  # checked before any work
    with domain_errors(), progress() as say, _claim(out, force):
        sc = _read(scenario)
        with open_engine(engine, scheduler) as eng:
            result = compare_strategies(sc, names, model_path=model_path, time_limit_s=time_limit,
                                        curve=curve, progress=say, engine=eng, splits=split_names,
                                        sweep=swept)
        write_comparison(result, out, force=force)
    _print_comparison(result.table if result.sweep is None else result.sweep)
    click.echo(f"comparison written to {out}")


def _print_comparison(table) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title="Strategies compared")
    swept = ["sweep_value", "strategy", "status"] if "sweep_value" in table else ["strategy"]
    cols = swept + ["supported", "spent_vnd", "expected_exits", "exits_p10", "exits_p90",
            "exits_per_billion_vnd", "share_ethnic_minority", "share_female_head", "share_poor",
            "communes_meeting_target"]
    if "budget_split" in table and table["budget_split"].nunique() > 1:  # compare --splits
        cols.insert(1, "budget_split")
    for c in cols:
        t.add_column(c, justify="left" if c == "strategy" else "right")
    for r in table[cols].itertuples(index=False):
        t.add_row(*[_cell(v) for v in r])
    Console(width=200).print(t)


def _cell(v) -> str:
    if isinstance(v, float):
        return "" if v != v else f"{v:,.3f}" if abs(v) < 10 else f"{v:,.1f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


@main.command()
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Scenario folder to write.")
@click.option("--seed", default=0, show_default=True, help="Random seed (same seed, same files).")
@click.option("--households", type=click.IntRange(min=1), help="About this many register households in all "
              "(default: the seed communes' real counts).")
@click.option("--communes", default=7, show_default=True, type=click.IntRange(min=1),
              help="Communes: 7 seed communes modelled on real Thai Nguyen communes first, then generic ones.")
@click.option("--history-factor", default=1.5, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Past (history) households per current register household.")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
def synth(out, seed, households, communes, history_factor, force):
    """Write a synthetic Thai Nguyen scenario with its history (no real data)."""
    from .synth import make_world, write_world

    with domain_errors(), _claim(out, force):
        world = make_world(seed=seed, households=households, communes=communes,
                           history_factor=history_factor)
        write_world(world, out, force=force)
    click.echo(
        f"synthetic scenario written to {out}: {len(world.communes)} communes, "
        f"{len(world.households)} households, {len(world.projects)} projects, "
        f"{len(world.history)} history rows"
    )


@main.command()
@click.option("--data", "data", type=click.Path(path_type=Path, file_okay=False), default=Path("targeting-data"),
              show_default=True, help="Folder where registers, plans and reviews are kept (the CLI's folders).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; another than 127.0.0.1 requires --token (one is made if missing).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--token", default=None, help="Access token every request must carry (?token=...).")
@click.option("--max-upload-mb", default=50, show_default=True, type=click.IntRange(min=1),
              help="Largest upload, in MB (a zip may expand to 4 times this).")
@click.option("--time-limit", default=30.0, show_default=True, type=click.FloatRange(min=1),
              help="The solver time limit the plan form starts with, in seconds.")
def serve(data, host, port, token, max_upload_mb, time_limit):
    """The web page for commune staff: register, plan, meeting, the year after.

    Needs the extra: pip install "targeting[web]". Open the address it prints in a browser.
    """
    try:
        from .web import serve as serve_web
    except ImportError as e:
        raise Failure(f"the web page needs its extra: pip install \"targeting[web]\" ({e})", 1) from None
    with domain_errors():
        serve_web(data, host=host, port=port, token=token, max_upload_mb=max_upload_mb,
                  time_limit=time_limit, echo=click.echo)


if __name__ == "__main__":  # pragma: no cover
    main(prog_name=os.path.basename(sys.argv[0]))
