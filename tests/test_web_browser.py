"""The whole year in a real browser (headless Chromium + chromedriver, Debian's packages).

Upload the bundled sample, plan, download the workbook, fill two decisions with openpyxl as the
village meeting would, upload it, plan again and check the lists changed as decided; then upload
the registers of the years after and see the review. Screenshots of every page at 1280x800 and on
a 360-pixel-wide phone are taken every run; they go to docs/screenshots/ (the README shows them)
when TARGETING_SCREENSHOTS=1, else to the test's temporary folder, so a test run leaves the
repository as it found it.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from targeting.config import bundled_sample
from targeting.labels import MEETING_CHOICES, MEETING_COLUMN_LABELS

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
DOCS_SHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
WIDE, PHONE = (1280, 800), (360, 780)


def _needs():
    # skipped on a machine without them, but CI (CI=true, .ci/run installs them) must run it
    missing = pytest.fail if os.environ.get("CI") == "true" else pytest.skip
    try:
        import selenium  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as e:
        missing(f"the browser test needs the test extra (pip install '.[test]'): {e}")
    if CHROMIUM is None or CHROMEDRIVER is None:
        missing("the browser test needs Debian's chromium and chromium-driver "
                "(apt-get install chromium chromium-driver; .ci/run installs them)")


@pytest.fixture
def server(tmp_path):
    _needs()
    import uvicorn

    from targeting.web import create_app

    app = create_app(tmp_path / "data", default_time_limit=3)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.time() + 20
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    assert srv.started
    yield f"http://127.0.0.1:{port}", tmp_path / "data"
    srv.should_exit = True
    t.join(10)


@pytest.fixture
def browser(tmp_path):
    _needs()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    o = webdriver.ChromeOptions()
    o.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}"):
        o.add_argument(flag)
    o.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                        "download.prompt_for_download": False})
    d = webdriver.Chrome(options=o, service=Service(CHROMEDRIVER))
    d.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    d.downloads = downloads
    d.shots = DOCS_SHOTS if os.environ.get("TARGETING_SCREENSHOTS") == "1" else tmp_path / "screenshots"
    yield d
    d.quit()


def _shoot(d, name: str) -> None:
    """The page at 1280x800 and at 360 pixels wide (the viewport, as a person sees it first)."""
    d.shots.mkdir(parents=True, exist_ok=True)
    for (w, h), suffix in ((WIDE, "wide"), (PHONE, "phone")):
        d.set_window_size(w, h)
        # the window's size includes its frame in some modes: make the viewport exact
        vw, vh = d.execute_script("return [window.innerWidth, window.innerHeight]")
        d.set_window_size(w + (w - vw), h + (h - vh))
        d.execute_script("window.scrollTo(0, 0)")
        assert d.save_screenshot(str(d.shots / f"{name}_{suffix}.png"))
    d.set_window_size(*WIDE)


def _wait(d, css: str, timeout: float = 60):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(d, timeout).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def _wait_file(folder: Path, pattern: str, timeout: float = 30) -> Path:
    deadline = time.time() + timeout
    while time.time() < deadline:
        done = [p for p in folder.glob(pattern) if not p.name.endswith(".crdownload")]
        if done:
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no {pattern} downloaded to {folder}: {list(folder.iterdir())}")


def _fill_two_decisions(book: Path, allocation: pd.DataFrame, out: Path) -> dict[str, str]:
    """The meeting's decisions, typed into the lists: one supported household is not supported,
    another declines the project it was offered. Returns household -> decision."""
    wb = load_workbook(book)
    head = MEETING_COLUMN_LABELS["decision"][1]
    supported = allocation[allocation["project_id"] != ""].set_index("household_id")
    decided: dict[str, str] = {}
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        col = hid_col = None
        for row in ws.iter_rows(min_row=1, max_row=15):
            for c in row:
                if c.value == head:
                    col = c.column
        if col is None:
            continue
        for r in range(1, ws.max_row + 1):
            for c in range(1, col):
                if ws.cell(r, c).value in supported.index:
                    hid_col = c
                    break
            if hid_col:
                break
        for r in range(1, ws.max_row + 1):
            hid = ws.cell(r, hid_col).value
            if hid in supported.index and hid not in decided:
                what = "exclude" if not decided else "decline"
                ws.cell(r, col).value = MEETING_CHOICES[what][1]
                ws.cell(r, col + 1).value = "họp thôn: kiểm tra trên trình duyệt"
                decided[hid] = what
            if len(decided) == 2:
                break
        break
    assert len(decided) == 2
    wb.save(out)
    return decided


def test_the_whole_year_in_a_browser(server, browser, tmp_path):
    from selenium.webdriver.common.by import By

    from targeting.synth.cycle import draw_registers

    url, data = server
    d = browser
    t0 = time.perf_counter()
    d.set_window_size(*WIDE)
    d.get(url + "/")
    assert "Lập kế hoạch hỗ trợ sinh kế" in d.page_source

    # 1. the register: a broken file first (every problem listed), then the sample
    sample = bundled_sample()
    broken = tmp_path / "broken"
    broken.mkdir()
    for p in sample.iterdir():
        if p.suffix in (".csv", ".toml"):
            shutil.copy(p, broken / p.name)
    h = pd.read_csv(broken / "households.csv", dtype=str, keep_default_na=False)
    h.loc[4, "members"] = "bốn"
    h.loc[9, "working_age"] = "-1"
    h.to_csv(broken / "households.csv", index=False)
    d.find_element(By.ID, "start").click()
    _wait(d, "#files").send_keys("\n".join(str(p) for p in sorted(broken.iterdir())))
    d.find_element(By.ID, "upload").click()
    table = _wait(d, "#problems")
    assert "households.csv" in table.text and "members" in table.text and "bốn" in table.text
    assert "6" in table.text  # spreadsheet row of the fifth household
    _shoot(d, "2_register_problems")
    files = [p for p in sorted(sample.iterdir()) if p.suffix in (".csv", ".toml")]
    d.find_element(By.ID, "files").send_keys("\n".join(str(p) for p in files))
    d.find_element(By.ID, "name").send_keys("Thái Nguyên (mẫu)")
    d.find_element(By.ID, "upload").click()

    # 2. the plan, with its progress, then the downloads
    _wait(d, "#make-plan")
    _shoot(d, "3_register_saved")
    d.find_element(By.ID, "time_limit").clear()
    d.find_element(By.ID, "time_limit").send_keys("3")
    d.find_element(By.ID, "make-plan").click()
    _wait(d, "#running, #supported")
    deadline = time.time() + 10  # the progress page once a few steps are shown (polled each second)
    while time.time() < deadline and d.find_elements(By.ID, "running") and \
            len(d.find_elements(By.CSS_SELECTOR, "#steps li")) < 3:
        time.sleep(0.2)
    if d.find_elements(By.CSS_SELECTOR, "#running #steps li:nth-child(3)"):
        _shoot(d, "4_plan_running")
    _wait(d, "#supported")
    _shoot(d, "5_plan")
    pid = d.current_url.rstrip("/").rsplit("/", 1)[1]
    plan_dir = data / "plans" / pid
    allocation = pd.read_csv(plan_dir / "allocation.csv", dtype=str, keep_default_na=False)
    d.find_element(By.CSS_SELECTOR, f'a[href="/files/plans/{pid}/beneficiaries.xlsx"]').click()
    book = _wait_file(d.downloads, "beneficiaries_*.xlsx")

    # 3. the meeting: two decisions typed into the workbook, uploaded, planned again
    meeting = tmp_path / "beneficiaries_hop_thon.xlsx"
    decided = _fill_two_decisions(book, allocation, meeting)
    d.find_element(By.ID, "to-meeting").click()
    _wait(d, "#workbook")
    _shoot(d, "6_meeting")
    d.find_element(By.ID, "workbook").send_keys(str(meeting))
    d.find_element(By.ID, "replan").click()
    _wait(d, "#meeting-cost", timeout=90)
    _shoot(d, "7_meeting_result")
    new_pid = d.current_url.rstrip("/").rsplit("/", 1)[1]
    assert new_pid != pid
    after = pd.read_csv(data / "plans" / new_pid / "allocation.csv", dtype=str,
                        keep_default_na=False).set_index("household_id")
    before = allocation.set_index("household_id")
    for hid, what in decided.items():
        assert after.loc[hid, "decision"] == what
        assert after.loc[hid, "project_id"] != before.loc[hid, "project_id"]
        if what == "exclude":
            assert after.loc[hid, "project_id"] == ""
    changes = d.find_element(By.ID, "changes").text
    assert all(hid in changes for hid in decided)
    # the final lists carry the decisions
    final = load_workbook(data / "plans" / new_pid / "beneficiaries.xlsx", read_only=True)
    words = {MEETING_CHOICES[w][1] for w in decided.values()}
    seen = {c for ws in final.worksheets for row in ws.iter_rows(values_only=True) for c in row if c in words}
    assert seen == words

    # 4. after the year: the registers one and three years on, drawn from the synthetic truth
    h = pd.read_csv(sample / "households.csv")
    kinds = after.reindex(h["household_id"].astype(str))["kind"].replace("", "none").fillna("none")
    regs = draw_registers(h, kinds.to_numpy(), np.random.default_rng(7))
    regs.after.to_csv(tmp_path / "register_2027.csv", index=False)
    regs.followup.to_csv(tmp_path / "register_2029.csv", index=False)
    d.get(f"{url}/plan/{new_pid}")
    d.find_element(By.ID, "to-after").click()
    _wait(d, "#after")
    _shoot(d, "8_after")
    d.find_element(By.ID, "after").send_keys(str(tmp_path / "register_2027.csv"))
    d.find_element(By.ID, "followup").send_keys(str(tmp_path / "register_2029.csv"))
    d.find_element(By.ID, "review").click()
    _wait(d, "#exits")
    _shoot(d, "9_review")
    rid = d.current_url.rstrip("/").rsplit("/", 1)[1]
    assert (data / "reviews" / rid / "history.csv").exists()
    assert d.find_elements(By.CSS_SELECTOR, f'a[href="/files/reviews/{rid}/history.csv"]')

    # 5. the strategies side by side, then English on a switch
    d.get(f"{url}/plan/{new_pid}")
    d.find_element(By.PARTIAL_LINK_TEXT, "quay lại danh sách").click()
    _wait(d, "#compare").click()
    rows = _wait(d, "#comparison", timeout=90).find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == 5
    _shoot(d, "10_compare")
    d.find_element(By.LINK_TEXT, "English").click()
    _wait(d, "#comparison")
    assert "Compare the ways of choosing" in d.page_source

    # the home page lists the work to come back to: the register and its plans
    d.get(url + "/")
    d.find_element(By.LINK_TEXT, "Tiếng Việt").click()
    assert all(d.find_elements(By.CSS_SELECTOR, f'a[href="/plan/{p}"]') for p in (pid, new_pid))
    _shoot(d, "1_home")
    seconds = time.perf_counter() - t0
    assert seconds < 120, f"the walk took {seconds:.0f} s"
