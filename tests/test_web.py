"""The web page through the framework's TestClient: uploads, runs as folders, limits, the token.

The whole year in a real browser is tests/test_web_browser.py (slow)."""

from __future__ import annotations

import html
import io
import json
import re
import threading
import zipfile
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("starlette", reason="the web page needs its extra: pip install '.[web]'")
pytest.importorskip("multipart", reason="the web page needs its extra: pip install '.[web]'")

from starlette.testclient import TestClient  # noqa: E402

from targeting.config import bundled_sample  # noqa: E402
from targeting.data import read_scenario  # noqa: E402
from targeting.review import read_plan_folder  # noqa: E402
from targeting.web import Limits, create_app  # noqa: E402
from targeting.web.serve import check_host_token  # noqa: E402

from .support import cli, household, tiny_tables, write_tables  # noqa: E402

SAMPLE_FILES = ("communes.csv", "households.csv", "projects.csv", "cooperatives.csv", "scenario.toml")


def _client(tmp_path, **kw) -> tuple[TestClient, Path]:
    data = tmp_path / "data"
    return TestClient(create_app(data, default_time_limit=2, **kw)), data


def _files(folder: Path, names=None) -> list:
    return [("files", (p.name, p.read_bytes())) for p in sorted(folder.iterdir())
            if p.is_file() and (names is None or p.name in names)]


def _problem_rows(page: str) -> list[list[str]]:
    """The cells of the problems table: file, row, column, what is wrong, value found."""
    table = page[page.index('id="problems"'):]
    table = table[table.index("<tbody>"):table.index("</tbody>")]
    return [[html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]


def _register(c: TestClient, files) -> str:
    r = c.post("/register", files=files, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.headers["location"].rsplit("/", 1)[1]


def _plan(c: TestClient, sid: str, **form) -> str:
    r = c.post(f"/scenario/{sid}/plan", data={"strategy": "optimal", "time_limit": "2", **form},
               follow_redirects=False)
    assert r.status_code == 303
    pid = r.headers["location"].rsplit("/", 1)[1]
    c.app.state.store.wait(pid, 120)
    return pid


# --------------------------------------------------------------------------------------------
# 1. register: every form of upload, every problem, nothing half-written
# --------------------------------------------------------------------------------------------


def test_separate_csv_files_become_a_scenario_folder_the_command_line_reads(tiny, tmp_path):
    c, data = _client(tmp_path)
    sid = _register(c, _files(tiny))
    folder = data / "scenarios" / sid
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in tiny.iterdir())
    assert cli("validate", folder).exit_code == 0
    page = c.get(f"/scenario/{sid}")
    assert page.status_code == 200 and "Phong Quang" in page.text


def test_one_workbook_with_a_sheet_per_table(tiny, tmp_path):
    book = tmp_path / "xa_2026.xlsx"
    with pd.ExcelWriter(book) as w:
        for p in sorted(tiny.iterdir()):
            pd.read_csv(p, dtype=str, keep_default_na=False).to_excel(w, sheet_name=p.stem, index=False)
        pd.DataFrame({"ghi chú": ["not a table"]}).to_excel(w, sheet_name="Ghi chú", index=False)
    c, data = _client(tmp_path)
    sid = _register(c, [("files", (book.name, book.read_bytes()))])
    sc = read_scenario(data / "scenarios" / sid)
    assert list(sc.households["household_id"]) == ["h1", "h2", "h3", "h4", "h5"]


def test_a_problem_in_a_workbook_names_the_uploaded_file_and_its_sheet(tiny, tmp_path):
    book = tmp_path / "xa_2026.xlsx"
    with pd.ExcelWriter(book) as w:
        for p in sorted(tiny.iterdir()):
            t = pd.read_csv(p, dtype=str, keep_default_na=False)
            if p.stem == "households":
                t.loc[2, "members"] = "bốn"
            t.to_excel(w, sheet_name=p.stem, index=False)
    c, data = _client(tmp_path)
    r = c.post("/register", files=[("files", (book.name, book.read_bytes()))])
    assert r.status_code == 400
    assert "xa_2026.xlsx, sheet households" in r.text and "bốn" in r.text
    assert list((data / "scenarios").iterdir()) == []


def test_a_zip_of_the_sample_in_a_folder(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in SAMPLE_FILES:
            z.write(bundled_sample() / name, f"thai_nguyen/{name}")
        z.writestr("__MACOSX/thai_nguyen/._households.csv", b"\x00\x05")
    c, data = _client(tmp_path)
    sid = _register(c, [("files", ("mau.zip", buf.getvalue()))])
    assert len(read_scenario(data / "scenarios" / sid).households) == 1424


def test_every_problem_is_listed_with_file_row_column_and_value_in_vietnamese(tiny, tmp_path):
    h = pd.read_csv(tiny / "households.csv", dtype=str, keep_default_na=False)
    h.loc[0, "members"] = "bốn"
    h.loc[3, "status"] = "giàu"
    h.to_csv(tiny / "households.csv", index=False)
    c, data = _client(tmp_path)
    r = c.post("/register", files=_files(tiny))
    assert r.status_code == 400
    assert "Có 2 lỗi: chưa lưu gì" in r.text
    rows = sorted(_problem_rows(r.text), key=lambda row: int(row[1]))
    assert rows[0][:3] == ["households.csv", "2", "members"] and rows[0][4] == "'bốn'"
    assert rows[0][3].startswith("giá trị không hợp lệ: cần số nguyên từ 1 đến")
    assert rows[1][:3] == ["households.csv", "5", "status"] and rows[1][4] == "'giàu'"
    assert list((data / "scenarios").iterdir()) == []  # nothing half-written
    assert list((data / "jobs").iterdir()) == []


def test_english_switch_and_no_open_redirect(tiny, tmp_path):
    c, _ = _client(tmp_path)
    r = c.get("/lang?to=en&next=//evil.example/x", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    r = c.post("/register", files=[("files", ("notes.txt", b"x"))])
    assert "1 problem(s) found: nothing was saved" in r.text and "is not a file of a scenario" in r.text


def test_a_missing_register_and_a_table_given_twice(tiny, tmp_path):
    c, _ = _client(tmp_path)
    r = c.post("/register", files=_files(tiny, {"communes.csv"}))
    assert r.status_code == 400 and "chưa tải lên danh sách hộ" in r.text
    book = tmp_path / "households.xlsx"
    pd.read_csv(tiny / "households.csv").to_excel(book, sheet_name="households", index=False)
    r = c.post("/register", files=[*_files(tiny), ("files", (book.name, book.read_bytes()))])
    assert r.status_code == 400 and "được tải lên hai lần" in r.text


def test_a_zip_cannot_write_outside_and_a_zip_bomb_stops_at_the_cap(tiny, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(tiny.iterdir()):
            z.write(p, p.name)
        z.writestr("../../escaped.csv", b"a,b\n1,2\n")
        z.writestr("/etc/households.csv", b"a\n")
    c, data = _client(tmp_path)
    r = c.post("/register", files=[("files", ("x.zip", buf.getvalue()))])
    assert r.status_code == 400 and r.text.count("đường dẫn không an toàn") == 2
    assert not (tmp_path / "escaped.csv").exists() and not (data.parent / "escaped.csv").exists()

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("households.csv", b"0" * (3 * 1024 * 1024))  # 3 MB of zeros packs to a few KB
    assert len(bomb.getvalue()) < 50_000
    c, data = _client(tmp_path / "b", limits=Limits(max_upload_bytes=1024 * 1024,
                                                     max_extracted_bytes=1024 * 1024))
    r = c.post("/register", files=[("files", ("bomb.zip", bomb.getvalue()))])
    assert r.status_code == 400 and "giải nén ra hơn 1 MB" in r.text


def test_an_upload_over_the_limit_is_refused_before_it_is_read(tiny, tmp_path):
    c, data = _client(tmp_path, limits=Limits(max_upload_bytes=2000))
    r = c.post("/register", files=[("files", ("households.csv", b"x" * 5000))])
    assert r.status_code == 413 and "50" not in r.text and "MB" in r.text
    assert list((data / "scenarios").iterdir()) == []


# --------------------------------------------------------------------------------------------
# The token: another address than this computer's needs one, carried by every request
# --------------------------------------------------------------------------------------------


def test_every_request_carries_the_token(tmp_path):
    c, _ = _client(tmp_path, token="s3cret-token")
    assert c.get("/").status_code == 403
    assert c.get("/files/plans/x/plan.json").status_code == 403
    assert c.get("/?token=wrong").status_code == 403
    r = c.get("/?token=s3cret-token")
    assert r.status_code == 200 and "targeting_token=s3cret-token" in r.headers["set-cookie"]
    assert "SameSite=Strict" in r.headers["set-cookie"]
    assert c.get("/register").status_code == 200  # the cookie carries it from now on
    fresh = TestClient(c.app)
    assert fresh.get("/register", headers={"X-Targeting-Token": "s3cret-token"}).status_code == 200
    assert fresh.post("/register", files=[("files", ("a.csv", b"x"))]).status_code == 403


def test_a_form_posted_from_another_site_is_refused(tiny, tmp_path):
    c, data = _client(tmp_path)
    r = c.post("/register", files=_files(tiny), headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and list((data / "scenarios").iterdir()) == []
    r = c.post("/register", files=_files(tiny), headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert r.status_code == 303


def test_binding_another_address_makes_a_token():
    assert check_host_token("127.0.0.1", None) is None
    made = check_host_token("0.0.0.0", None)
    assert made and len(made) >= 20 and made != check_host_token("0.0.0.0", None)
    assert check_host_token("192.168.1.5", "mine") == "mine"
    r = cli("serve", "--host", "0.0.0.0", "--token", " ", catch=True)
    assert r.exit_code == 2 and "--token is empty" in r.output


# --------------------------------------------------------------------------------------------
# 2-4. plan, meeting, after the year: runs are plan folders under --data
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_plan_meeting_and_review_on_a_tiny_register(tiny, tmp_path):
    c, data = _client(tmp_path)
    sid = _register(c, _files(tiny))
    pid = _plan(c, sid)
    page = c.get(f"/plan/{pid}")
    assert page.status_code == 200 and 'id="supported"' in page.text
    assert f'href="/plan/{pid}"' in c.get(f"/scenario/{sid}").text  # work to come back to
    assert f'href="/plan/{pid}"' in c.get("/").text
    plan_dir = data / "plans" / pid
    assert read_plan_folder(plan_dir).allocation is not None  # the command line's review reads it
    status = c.get(f"/job/{pid}.json").json()
    assert status["state"] == "done" and any(s[1] == "write" for s in status["steps"])
    r = c.get(f"/files/plans/{pid}/beneficiaries.xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert c.get(f"/files/plans/{pid}/../scenarios").status_code == 404
    assert c.get(f"/files/plans/{pid}/job.json").status_code == 404
    assert c.get("/files/plans/..%2F..%2Fetc/passwd").status_code == 404
    with zipfile.ZipFile(io.BytesIO(c.get(f"/files/plans/{pid}/all.zip").content)) as z:
        assert f"plan_{pid}/allocation.csv" in z.namelist()
    with zipfile.ZipFile(io.BytesIO(c.get(f"/files/plans/{pid}/villages.zip").content)) as z:
        assert z.namelist() == ["Phong Quang_Nà Pài.csv"]  # the tiny register's one village
        text = z.read(z.namelist()[0]).decode("utf-8")
    assert text.startswith("\ufeffThứ tự ưu tiên trong thôn,Mã hộ,Diện hộ,Hình thức hỗ trợ")
    village = pd.read_csv(io.StringIO(text.lstrip("\ufeff")), dtype=str, keep_default_na=False)
    assert sorted(village["Mã hộ"]) == ["h1", "h2", "h3", "h4", "h5"]
    given = village["Hình thức hỗ trợ"] != ""
    assert not given.iloc[given.sum():].any()  # the supported first, then the others with why
    assert (village.loc[~given, "Chưa được hỗ trợ vì"] != "").all()

    # 3. the meeting: a bad decisions file is refused with its row, a good one re-plans
    a = pd.read_csv(plan_dir / "allocation.csv", dtype=str, keep_default_na=False)
    got = a[a["project_id"] != ""]["household_id"].iloc[0]
    bad = f"household_id,decision,project_id,kind,note\n{got},maybe,,,\n".encode()
    r = c.post(f"/plan/{pid}/meeting", files=[("workbook", ("decisions.csv", bad))])
    assert r.status_code == 400 and "decisions.csv" in r.text and "maybe" in r.text
    good = f"household_id,decision,project_id,kind,note\n{got},exclude,,,đã có việc làm\n".encode()
    r = c.post(f"/plan/{pid}/meeting", files=[("workbook", ("decisions.csv", good))], follow_redirects=False)
    assert r.status_code == 303
    new = r.headers["location"].rsplit("/", 1)[1]
    c.app.state.store.wait(new, 120)
    page = c.get(f"/plan/{new}")
    assert 'id="meeting-cost"' in page.text and got in page.text
    b = pd.read_csv(data / "plans" / new / "allocation.csv", dtype=str, keep_default_na=False)
    assert b.set_index("household_id").loc[got, ["project_id", "decision"]].tolist() == ["", "exclude"]
    assert (data / "plans" / pid / "allocation.csv").read_bytes() == (plan_dir / "allocation.csv").read_bytes()

    # 4. after the year: h1 and h2 left the register
    after = tmp_path / "register_2027.csv"
    pd.read_csv(tiny / "households.csv").iloc[2:].to_csv(after, index=False)
    r = c.post(f"/plan/{new}/after", files=[("after", (after.name, after.read_bytes()))], follow_redirects=False)
    assert r.status_code == 303, r.text
    rid = r.headers["location"].rsplit("/", 1)[1]
    page = c.get(f"/review/{rid}")
    assert page.status_code == 200 and '<b id="exits">2</b>' in page.text
    assert json.loads((data / "reviews" / rid / "review.json").read_text())["all"]["exits"] == 2
    other = tmp_path / "other.csv"
    pd.DataFrame([household("x1", commune="c9")]).to_csv(other, index=False)
    r = c.post(f"/plan/{new}/after", files=[("after", (other.name, other.read_bytes()))])
    assert r.status_code == 400 and "other.csv" in r.text


@pytest.mark.slow
def test_two_tabs_planning_at_once_do_not_clash(tmp_path):
    tables = tiny_tables()
    tables["households"] = pd.DataFrame([household(f"h{i}", income_vnd=900_000 + 7_000 * i)
                                         for i in range(1, 30)])
    src = write_tables(tmp_path / "s", tables)
    c, data = _client(tmp_path)
    sid = _register(c, _files(src))
    ids: list[str] = []

    def start(strategy):
        r = c.post(f"/scenario/{sid}/plan", data={"strategy": strategy, "time_limit": "2"},
                   follow_redirects=False)
        ids.append(r.headers["location"].rsplit("/", 1)[1])

    tabs = [threading.Thread(target=start, args=(s,)) for s in ("optimal", "greedy")]
    for t in tabs:
        t.start()
    for t in tabs:
        t.join()
    assert len(set(ids)) == 2
    for pid in ids:
        c.app.state.store.wait(pid, 120)
        assert c.get(f"/job/{pid}.json").json()["state"] == "done"
    strategies = {json.loads((data / "plans" / pid / "plan.json").read_text())["strategy"] for pid in ids}
    assert strategies == {"optimal", "greedy"}


def test_a_plan_cut_short_by_a_restart_says_so(tiny, tmp_path):
    c, data = _client(tmp_path)
    sid = _register(c, _files(tiny))
    store = c.app.state.store
    pid, _ = store.reserve("plans")
    (data / "jobs" / pid / "job.json").write_text(json.dumps(
        {"id": pid, "kind": "plan", "state": "running", "info": {"scenario": sid, "strategy": "optimal"},
         "steps": [], "started": 0.0}), encoding="utf-8")
    page = c.get(f"/plan/{pid}")
    assert page.status_code == 200 and "bị gián đoạn" in page.text
    assert c.get("/plan/not-an-id").status_code == 404
    assert c.get("/plan/20990101-000000-abcdef").status_code == 404


@pytest.mark.slow
def test_compare_the_strategies_side_by_side(tiny, tmp_path):
    c, data = _client(tmp_path)
    sid = _register(c, _files(tiny))
    r = c.post(f"/scenario/{sid}/compare", data={"time_limit": "2"}, follow_redirects=False)
    assert r.status_code == 303
    cid = r.headers["location"].rsplit("/", 1)[1]
    c.app.state.store.wait(cid, 120)
    page = c.get(f"/compare/{cid}")
    assert page.status_code == 200
    table = pd.read_csv(data / "compares" / cid / "comparison.csv")
    assert sorted(table["strategy"]) == sorted(["optimal", "greedy", "capacity", "poorest", "lottery"])
    assert "tối ưu (mô hình tối ưu hóa)" in page.text and "bốc thăm" in page.text
    assert c.get(f"/files/compares/{cid}/report.html").status_code == 200


@pytest.mark.slow
def test_decisions_the_policy_cannot_meet_are_shown_and_nothing_is_written(tiny, tmp_path):
    c, data = _client(tmp_path)
    sid = _register(c, _files(tiny))
    pid = _plan(c, sid)
    too_many = ("household_id,decision,project_id,kind,note\n"
                + "".join(f"h{i},assign,p1,,\n" for i in (1, 2, 3))).encode()  # p1 has 2 places
    r = c.post(f"/plan/{pid}/meeting", files=[("workbook", ("decisions.csv", too_many))], follow_redirects=False)
    assert r.status_code == 303
    new = r.headers["location"].rsplit("/", 1)[1]
    c.app.state.store.wait(new, 120)
    page = c.get(f"/plan/{new}")
    assert "Việc tính toán dừng vì có lỗi" in page.text and "p1" in page.text
    assert f'href="/plan/{pid}/meeting"' in page.text
    assert not (data / "plans" / new).exists()
    assert c.get(f"/job/{new}.json").json()["state"] == "failed"
