"""A stateful fake Jira (Cloud REST v3 / Data Center REST v2) over real HTTP for tests.

Typical fixture (none is registered in conftest; make your own)::

    @pytest.fixture
    def jira_fake():
        with FakeJira("cloud") as fake:          # or FakeJira("datacenter", latency=0.01)
                                                 # or FakeJira(profile="dc8"): see profiles.py
            yield fake
            fake.assert_no_violations()          # fail the test on any contract breach

Point the code under test at ``fake.url`` with ``fake.auth_header`` (or email/api_token,
pat); script trouble with ``fake.faults.add(method, path_regex, kind, times=1, **opts)``
(see faults.py) and inspect ``fake.calls`` / ``fake.issues()``. Every request is checked
against Atlassian's OpenAPI document (contract.py) plus Jira's own field rules (rules.py).
"""

from .catalog import FieldConfig
from .fake import Call, FakeJira
from .faults import Fault
from .profiles import PROFILE_NAMES, PROFILES, Profile
from .state import Issue

__all__ = [
    "PROFILES",
    "PROFILE_NAMES",
    "Call",
    "FakeJira",
    "Fault",
    "FieldConfig",
    "Issue",
    "Profile",
]
