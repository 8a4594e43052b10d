"""The interactive API docs in a real browser: authorize with a token, try the caseload out.

Debian's Chromium (``/usr/bin/chromium``; `.ci/run` installs it when it is missing) driven by
Playwright, against the real app served by uvicorn on PostgreSQL. A person reading the docs
does exactly this: open /api/v1/docs, press Authorize, paste a token, open an operation,
"Try it out", "Execute", and read the answer.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from pga.settings import Settings
from tests.integration.api.conftest import REFERRAL, SECRET, bearer
from tests.integration.api.server import running_server, wait_until_ready

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# CI installs Debian's Chromium (.ci/run), so there a missing browser fails the test; a developer
# machine without it skips the test and says how to get it.
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (apt-get install chromium)",
)
#: Flags this machine's closed network needs (no background downloads, no QUIC, no sync).
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def test_a_person_authorizes_and_lists_the_caseload_from_the_docs(
    database_url: str, schema: str, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=database_url, database_schema=schema, data_dir=tmp_path, jwt_secret=SECRET
    )
    token = bearer(settings)["Authorization"].removeprefix("Bearer ")
    with running_server(settings) as base_url:
        with httpx.Client(base_url=base_url, headers=bearer(settings), timeout=30) as client:
            wait_until_ready(client)
            assert client.post("/api/v1/trajectories", json=REFERRAL).status_code == 201
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                page = browser.new_page()
                outside: list[str] = []
                page.on(
                    "request",
                    lambda request: (
                        None if request.url.startswith(base_url) else outside.append(request.url)
                    ),
                )
                page.goto(f"{base_url}/api/v1/docs")
                expect(page.get_by_role("heading", name="pga API")).to_be_visible()

                page.get_by_role("button", name="Authorize").first.click()
                page.locator(".modal-ux input").first.fill(token)
                page.locator(".modal-ux button.authorize").click()
                expect(page.locator(".modal-ux")).to_contain_text("Authorized")
                page.locator(".modal-ux button.btn-done").click()

                operation = page.locator("#operations-trajectories-listTrajectories")
                operation.locator(".opblock-summary").click()
                operation.get_by_role("button", name="Try it out").click()
                operation.get_by_role("button", name="Execute").click()

                response = operation.locator(".live-responses-table .response").first
                expect(response.locator(".response-col_status")).to_contain_text("200")
                expect(response.locator(".response-col_description")).to_contain_text('"total": 1')
                assert outside == [], "the docs page must load nothing from outside the server"
            finally:
                browser.close()
