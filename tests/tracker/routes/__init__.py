"""The role x route table, one module per area, each defining `ROWS`.

endpoint -> (method, url, roles allowed | PUBLIC). URLs may use {user_id} (the signed-in user);
other ids may point at nothing: an allowed role then gets 404, a denied one 403.
"""

from __future__ import annotations

import importlib
import pkgutil

from tracker.models import Role

Row = tuple[str, str, frozenset[Role] | str]

PUBLIC = "public"
# Every account, machine accounts included (home, own account, tokens, /api/v1/me).
EVERY_ACCOUNT = frozenset(Role)
# Every person: machine accounts (integration) only send KPI data.
ALL = EVERY_ACCOUNT - {Role.INTEGRATION}
ADMIN = frozenset({Role.ADMIN})
PRODUCT = frozenset({Role.PM, Role.ADMIN})
CONTRIBUTORS = frozenset({Role.SUBMITTER, Role.VENDOR, Role.PM, Role.ADMIN})
INTERNAL = ALL - {Role.VENDOR}
READERS_OF_STORIES = frozenset({Role.PM, Role.ADMIN, Role.STAKEHOLDER})


def all_rows() -> dict[str, Row]:
    rows: dict[str, Row] = {}
    for module in pkgutil.iter_modules(__path__):
        found = importlib.import_module(f"{__name__}.{module.name}").ROWS
        overlap = rows.keys() & found.keys()
        assert not overlap, f"{module.name} repeats rows: {overlap}"
        rows.update(found)
    return rows
