"""Signing in and the first administration journey, as a person sees them in Chromium."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.helpers.journeys import browser_login
from tracker.models import Role, User

pytestmark = pytest.mark.browser

# An iPhone-sized screen that honours the page's viewport meta tag, as a real phone does.
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}


def test_admin_adds_a_vendor_user(
    page: Page, console_errors: list[str], make_browser_user: Callable[..., User]
) -> None:
    admin = make_browser_user(Role.ADMIN, display_name="Ada Admin")
    browser_login(page, admin.email)

    expect(page.get_by_role("banner")).to_contain_text("Ada Admin")
    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav.get_by_role("link", name="Users", exact=True)).to_be_visible()

    # A vendor user needs a vendor organisation first.
    main_nav.get_by_role("link", name="Organisations", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisations")
    page.get_by_label("Name", exact=True).fill("Acme Moderation")
    expect(page.get_by_label("Vendor organisation")).to_be_checked()
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Added Acme Moderation.")
    expect(page.get_by_role("row").filter(has_text="Acme Moderation")).to_contain_text("vendor")

    main_nav.get_by_role("link", name="Users", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    page.get_by_label("Email", exact=True).fill("vera@acme.example.com")
    page.get_by_label("Name", exact=True).fill("Vera Vendor")
    page.get_by_label("Role", exact=True).select_option(label="Vendor staff")
    page.get_by_label("Organisation", exact=True).select_option(label="Acme Moderation (vendor)")
    page.get_by_label("Initial password", exact=True).fill("a long enough initial password")
    page.get_by_role("button", name="Add user", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text(
        "vera@acme.example.com can now sign in as Vendor staff."
    )
    row = page.get_by_role("row").filter(has_text="vera@acme.example.com")
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell")).to_have_text(
        ["vera@acme.example.com", "Vera Vendor", "Vendor staff", "Acme Moderation", "active"]
    )
    assert console_errors == []


def test_stakeholder_has_no_user_administration(
    page: Page, make_browser_user: Callable[..., User]
) -> None:
    stakeholder = make_browser_user(Role.STAKEHOLDER, display_name="Sam Stakeholder")
    browser_login(page, stakeholder.email)

    expect(page.get_by_role("banner")).to_contain_text("Sam Stakeholder")
    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav.get_by_role("link", name="Home", exact=True)).to_be_visible()
    expect(main_nav.get_by_role("link", name="Users", exact=True)).to_have_count(0)

    response = page.goto("/admin/users")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    expect(page.get_by_role("table")).to_have_count(0)


def test_wrong_password_is_shown_beside_the_form(
    page: Page, make_browser_user: Callable[..., User]
) -> None:
    user = make_browser_user(Role.PM)
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill(user.email)
    page.get_by_label("Password", exact=True).fill("not the password at all")
    page.get_by_role("button", name="Sign in", exact=True).click()

    password = page.get_by_label("Password", exact=True)
    expect(password).to_have_accessible_description("Email or password is wrong.")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(page.locator("form").get_by_text("Email or password is wrong.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)


@pytest.mark.parametrize("browser_context_args", [PHONE], ids=["phone"])
def test_sign_in_page_fits_a_phone(page: Page, browser_context_args: dict[str, Any]) -> None:
    page.goto("/login")
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    scroll_width, client_width = widths
    assert client_width == PHONE["viewport"]["width"]
    assert scroll_width <= client_width, f"sign-in page scrolls sideways: {widths}"
