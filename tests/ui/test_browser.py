"""The chat UI in a real browser: a real ``tunesmith ui`` process (embedded LLM), headless
Chromium, two tabs at once. Screenshots of each step go to ``artifacts/ui/``."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "ui"
PLAN_TIMEOUT_MS = 300_000  # two tabs plan one after the other on one 0.5B model, 2 cores
RUN_TIMEOUT_MS = 300_000  # a 60 s budget, trials still running, refit, report


@pytest.fixture(scope="module")
def penguins(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Palmer penguins with a row id: train (280 rows), and test rows (64) for each target."""
    from palmerpenguins import load_penguins

    folder = tmp_path_factory.mktemp("penguins")
    table = load_penguins().dropna(subset=["species", "body_mass_g"])
    table = table.sample(frac=1, random_state=0).reset_index(drop=True)
    table.insert(0, "id", range(len(table)))
    paths = {"train": folder / "train.csv"}
    table.iloc[:280].to_csv(paths["train"], index=False)
    for target in ("species", "body_mass_g"):
        paths[target] = folder / f"test-{target}.csv"
        table.iloc[280:].drop(columns=[target]).to_csv(paths[target], index=False)
    return paths


def _open(browser: Any, url: str) -> Any:
    context = browser.new_context(viewport={"width": 1400, "height": 1400}, accept_downloads=True)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#chat")
    return page


def _upload(page: Any, slot: str, path: Path) -> None:
    page.locator(f"#file-{slot} input[type=file]").set_input_files(str(path))


def _say(page: Any, text: str) -> None:
    box = page.locator("#request textarea")
    box.fill(text)
    box.press("Enter")


def _chat(page: Any) -> str:
    return " ".join(str(page.locator("#chat").inner_text()).split())


def _wait_chat(page: Any, pattern: str, timeout_ms: int) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.locator("#chat").get_by_text(re.compile(pattern)).last.wait_for(timeout=timeout_ms)
    except PlaywrightTimeout:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / f"timeout-{int(time.time())}.png"
        page.screenshot(path=str(shot), full_page=True)
        status = page.locator("#status").inner_text()
        raise AssertionError(
            f"No chat message matched {pattern!r} within {timeout_ms / 1000:.0f} s (screenshot "
            f"{shot}). Status: {status}. Chat: {_chat(page)[-1500:]}"
        ) from None


def _trial_rows(page: Any) -> list[list[str]]:
    rows = page.locator("#trials [role=row]")  # the header row has no grid cells
    cells = [rows.nth(i).locator("[role=gridcell]").all_inner_texts() for i in range(rows.count())]
    return [[c.strip() for c in row] for row in cells if any(c.strip() for c in row)]


def _complete(page: Any) -> int:
    """Complete trials, as the status line says (the trial table shows only the rows in view)."""
    found = re.search(r"(\d+) complete", page.locator("#status").inner_text())
    return int(found.group(1)) if found else 0


def _choose_learners(page: Any, names: list[str]) -> None:
    labels = page.locator("#learners label")
    for i in range(labels.count()):
        label = labels.nth(i)
        label.locator("input").set_checked(label.inner_text().strip() in names)


def test_bad_uploads_and_a_missing_target_are_answered_in_the_chat(
    ui_server: dict[str, Any], browser: Any, artifacts: Path, tmp_path: Path, penguins: Any
) -> None:
    page = _open(browser, ui_server["url"])
    big = tmp_path / "big.csv"
    big.write_text("a,b\n" + "123456789,987654321\n" * 80_000)  # 1.6 MB > the 1 MB limit
    _upload(page, "train", big)
    _wait_chat(page, r"big\.csv is 1\.6 MB; uploads are limited to 1 MB", 60_000)
    page.screenshot(path=str(artifacts / "errors-1-oversized.png"), full_page=True)

    bad = tmp_path / "bad.csv"
    bad.write_text('a,b\n1,2\n3,4,5,6,7\n"unclosed\n')
    cli = subprocess.run(
        [sys.executable, "-m", "tunesmith", "plan", "predict a", "--data", "bad.csv"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert cli.returncode == 2
    expected = " ".join(cli.stderr.split())
    assert expected.startswith("Error: Cannot read the training data file bad.csv")
    _upload(page, "train", bad)
    _wait_chat(page, r"Cannot read the training data file bad\.csv", 60_000)
    assert expected in _chat(page)  # the CLI's words, in the chat
    page.screenshot(path=str(artifacts / "errors-2-malformed.png"), full_page=True)

    _upload(page, "train", penguins["train"])
    _wait_chat(page, r"Loaded the training data", 60_000)
    _say(page, "Build me a good model please.")
    _wait_chat(page, r"Which column should I predict\?", 60_000)
    assert "Candidate columns" in _chat(page)
    page.screenshot(path=str(artifacts / "errors-3-question.png"), full_page=True)
    page.context.close()


def test_two_tabs_plan_run_steer_download_resume_and_stop_at_the_same_time(
    ui_server: dict[str, Any], browser: Any, artifacts: Path, tmp_path: Path, penguins: Any
) -> None:
    tabs = {
        "a": ("Predict `species`; optimise accuracy.", "species", "accuracy"),
        "b": ("Predict `body_mass_g`; minimise RMSE.", "body_mass_g", "rmse"),
    }
    pages = {name: _open(browser, ui_server["url"]) for name in tabs}
    for name, page in pages.items():
        _upload(page, "train", penguins["train"])
        _wait_chat(page, r"Loaded the training data", 60_000)
        _upload(page, "test", penguins[tabs[name][1]])
        _wait_chat(page, r"Loaded the test data", 60_000)
        page.screenshot(path=str(artifacts / f"tab-{name}-1-uploaded.png"), full_page=True)
    started = time.monotonic()
    for name, page in pages.items():
        _say(page, tabs[name][0])
    for name, page in pages.items():  # the plan, with its target, metric, budget and learners
        _wait_chat(page, r"Plan \(280 training rows\)", PLAN_TIMEOUT_MS)
        text = _chat(page)
        assert f"target: {tabs[name][1]}" in text
        assert f"metric: {tabs[name][2]}" in text
        assert "budget:" in text
        assert "learners:" in text
        page.screenshot(path=str(artifacts / f"tab-{name}-2-plan.png"), full_page=True)
    planned = time.monotonic() - started
    # Edit the plans before running them: fast learners and 60 s, so that a busy machine still
    # runs several trials (on a 2-core EPYC without AVX-512, the LLM's warm-start request alone
    # took 26 s of a 30 s budget while the other tab ran).
    _choose_learners(pages["a"], ["logistic_regression"])
    _choose_learners(pages["b"], ["ridge"])
    for page in pages.values():
        page.locator("#budget input").fill("60")
        page.locator("#run").click()
    for page in pages.values():
        _wait_chat(page, r"Running: Stop after 60 s", 30_000)
    _say(pages["b"], "try knn too")  # a follow-up, while the search goes on
    for name, page in pages.items():
        _wait_chat(page, r"Done \(finished|Error:", RUN_TIMEOUT_MS)
        assert "Error:" not in _chat(page)
        page.screenshot(path=str(artifacts / f"tab-{name}-3-done.png"), full_page=True)
    ran = time.monotonic() - started - planned

    for name, page in pages.items():
        rows = _trial_rows(page)
        assert len(rows) >= 3, rows
        status = page.locator("#status").inner_text()
        assert re.search(rf"best {tabs[name][2]} \d", status), status
        headers = page.locator("#trials thead").inner_text()
        assert tabs[name][2] in headers  # each tab shows its own run's metric

        with page.expect_download() as download:
            page.locator("#dl-submission").click()
        saved = tmp_path / f"submission-{name}.csv"
        download.value.save_as(saved)
        submission = pd.read_csv(saved)
        test = pd.read_csv(penguins[tabs[name][1]])
        assert list(submission.columns) == ["id", tabs[name][1]]
        assert submission["id"].tolist() == test["id"].tolist()
        assert submission[tabs[name][1]].notna().all()
    assert "Added knn; learners now: ridge, knn." in _chat(pages["b"])
    assert {row[1] for row in _trial_rows(pages["b"])} <= {"ridge", "knn"}
    assert {row[1] for row in _trial_rows(pages["a"])} == {"logistic_regression"}
    species = set(pd.read_csv(tmp_path / "submission-a.csv")["species"])
    assert species <= {"Adelie", "Chinstrap", "Gentoo"}
    assert pd.api.types.is_numeric_dtype(pd.read_csv(tmp_path / "submission-b.csv")["body_mass_g"])

    sessions = sorted(p.name for p in ui_server["runs"].iterdir())
    assert len(sessions) >= 2  # one folder per tab (the error test's tab made none: no run)
    print(f"planning both tabs: {planned:.0f} s; both runs: {ran:.0f} s")

    _say(pages["a"], "why did trial 1 fail?")  # answered from the run's own trials
    _wait_chat(pages["a"], r"Trial 1 ", 60_000)  # the answer, not the question
    pages["a"].screenshot(path=str(artifacts / "tab-a-4-follow-up.png"), full_page=True)

    page, before = pages["a"], _complete(pages["a"])  # resume the run, then stop it
    page.locator("#resume-s input").fill("60")
    page.locator("#resume").click()
    _wait_chat(page, r"Resuming for 60 s", 30_000)
    deadline = time.monotonic() + 120
    while _complete(page) <= before and time.monotonic() < deadline:
        page.wait_for_timeout(500)
    page.locator("#stop").click()
    _wait_chat(page, r"Done \(finished \(user\)\)", RUN_TIMEOUT_MS)
    assert _complete(page) > before
    page.screenshot(path=str(artifacts / "tab-a-5-resumed-and-stopped.png"), full_page=True)
    for page in pages.values():
        page.context.close()
