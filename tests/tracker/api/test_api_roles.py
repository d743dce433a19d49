"""The PATCH and DELETE routes, walked with their real methods for every role.

test_permissions.py walks every row but only sends GET and POST; see tests/tracker/routes/api.py.
"""

from __future__ import annotations

import pytest

from tests.tracker.routes.api import REAL_METHODS, ROWS
from tracker.models import Role


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_exactly_its_patch_and_delete_routes(client, api_user, role):
    _, headers = api_user(role)
    for endpoint, (method, url) in REAL_METHODS.items():
        allowed = role in ROWS[endpoint][2]
        response = client.open(url, method=method, json={}, headers=headers)
        assert response.is_json
        denied = response.status_code in (401, 403)
        assert denied != allowed, (endpoint, role.value, response.status_code)


def test_strangers_get_401_on_them(client):
    for method, url in REAL_METHODS.values():
        response = client.open(url, method=method, json={})
        assert response.status_code == 401, url
