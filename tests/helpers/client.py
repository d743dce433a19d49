"""The test client that signs in and submits forms the way a browser does."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from tests.helpers.accounts import PASSWORD


class TrackerClient(FlaskClient):
    """A test client that fills in the CSRF token like a browser submitting the page's form."""

    _csrf: str | None = None

    def csrf_token(self) -> str:
        page = self.get("/login") if self._csrf is None else None
        if page is not None:
            if page.status_code == 302:  # signed in already: any page with a form will do
                page = self.get("/account/tokens")
            match = re.search(
                r'name="csrf_token" type="hidden" value="([^"]+)"', page.text
            ) or re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert match, "no CSRF token on the page"
            self._csrf = match.group(1)
        assert self._csrf is not None
        return self._csrf

    def submit(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        form = {"csrf_token": self.csrf_token(), **(data or {})}
        return self.post(url, data=form, **kwargs)

    def login(self, email: str, password: str = PASSWORD) -> Any:
        self._csrf = None
        response = self.submit("/login", {"email": email, "password": password})
        self._csrf = None  # the session changed
        return response
