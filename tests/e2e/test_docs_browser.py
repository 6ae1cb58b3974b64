"""Swagger UI in a real Chromium: authorize with a JWT, run GET /api/v1/users/me/, see my handle.

Playwright drives Debian's /usr/bin/chromium (`playwright install` is not used). Without that
binary the test skips locally and fails in CI, where .ci/run installs it.
"""

import json
import os
import urllib.request
from pathlib import Path

import pytest

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.live import daphne_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Where the screenshot of the executed request lands, for a human to look at after a run.
SCREENSHOT_DIR = os.environ.get("CODENEST_SCREENSHOT_DIR")

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser test but {CHROMIUM} is missing (apt-get install chromium)")
    pytest.skip(f"{CHROMIUM} is missing; install Debian's chromium (apt-get install -y chromium) to run this test")


def login(base_url: str, email: str, password: str) -> str:
    """The access token, obtained the way a client gets one: from the login endpoint."""
    request = urllib.request.Request(
        f"{base_url}/api/v1/auth/login/",
        data=json.dumps({"email": email, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=15) as response:
        return json.loads(response.read())["access"]


@pytest.mark.django_db(transaction=True)
def test_swagger_ui_authorizes_with_jwt_and_runs_users_me(tmp_path):
    require_chromium()
    from playwright.sync_api import expect, sync_playwright

    user = UserFactory(handle="swagger_sam", name="Sam Swagger")
    with daphne_server(tmp_path) as server:
        token = login(server.http_url, user.email, DEFAULT_PASSWORD)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 1600})
                failed_assets = []
                page.on("requestfailed", lambda request: failed_assets.append(request.url))
                page.goto(f"{server.http_url}/api/docs/", wait_until="networkidle")
                expect(page.locator(".information-container .title")).to_contain_text("CodeNest API")

                page.locator("button.btn.authorize").first.click()
                dialog = page.locator(".dialog-ux .modal-ux")
                expect(dialog).to_contain_text("jwtAuth")
                dialog.locator("input").first.fill(token)
                dialog.locator("button.authorize").click()
                expect(dialog.get_by_role("heading", name="Authorized")).to_be_visible()
                dialog.locator("button.btn-done").click()

                page.locator("#operations-tag-users").click()  # tags start collapsed (docExpansion: none)
                operation = page.locator('.opblock-get:has(.opblock-summary-path[data-path="/api/v1/users/me/"])')
                operation.locator(".opblock-summary").click()
                operation.locator("button.try-out__btn").click()
                operation.locator("button.execute").click()

                live_response = operation.locator(".live-responses-table .response")
                expect(live_response.locator(".response-col_status")).to_contain_text("200", timeout=15_000)
                body = live_response.locator(".response-col_description .microlight").first
                expect(body).to_contain_text('"handle": "swagger_sam"')
                expect(body).to_contain_text(user.email)
                # The request Swagger UI made carried the token (shown as the curl command).
                expect(operation.locator(".curl-command")).to_contain_text(f"Authorization: Bearer {token}")

                if SCREENSHOT_DIR:
                    page.screenshot(path=str(Path(SCREENSHOT_DIR) / "swagger-page.png"))
                    operation.screenshot(path=str(Path(SCREENSHOT_DIR) / "swagger-users-me.png"))
                assert failed_assets == [], f"assets the page could not load: {failed_assets}\n{server.log()}"
            finally:
                browser.close()
