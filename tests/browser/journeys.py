"""What a person does in the browser, step by step, shared by the browser tests."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD


def browser_login(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the form like a person would, and wait for the home page."""
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
