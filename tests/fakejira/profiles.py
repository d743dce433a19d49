"""Version profiles: how real Jira sites differ, so the app can be tested against each.

`FakeJira(profile="dc8")` takes a profile's flavour, version, deploymentType and switches; the
switches land on the fake as knobs a test may still change (`fake.legacy_createmeta = True`).

- The paged createmeta (`/issue/createmeta/{project}/issuetypes[/{id}]`) arrived in Server/Data
  Center 8.4; before that the path is unknown ("null for uri").
- The old createmeta (`/issue/createmeta?projectKeys=..&expand=projects.issuetypes.fields`) was
  removed in 9.0: the path then falls through to GET /issue/{key}, which finds no issue.
- A reverse proxy or WAF in front of Jira may refuse some POSTs with its own 405 HTML page
  before Jira (or its authentication) sees the request.
- Some sites answer `id in (...)` with issues that were not asked for (the clause is ignored).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .catalog import CLOUD, DATACENTER
from .exchange import Ctx, Reply, error
from .handlers import NOT_FOUND

if TYPE_CHECKING:
    from .fake import FakeJira

PAGED_CREATEMETA = (
    "/issue/createmeta/<key>/issuetypes",
    "/issue/createmeta/<key>/issuetypes/<type_id>",
)
LEGACY_CREATEMETA = "/issue/createmeta"
PROXY_405 = (
    b"<html>\r\n<head><title>405 Not Allowed</title></head>\r\n<body>\r\n"
    b"<center><h1>405 Not Allowed</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


@dataclass(frozen=True)
class Profile:
    """One kind of Jira site. `refused_posts` are REST paths (after /rest/api/<v>) a proxy
    answers 405 to when POSTed; `honours_id_in` False makes search ignore `id in (...)`."""

    name: str
    flavour: str
    version_numbers: tuple[int, ...]
    deployment_type: str
    paged_createmeta: bool = True
    legacy_createmeta: bool = False
    refused_posts: frozenset[str] = frozenset()
    honours_id_in: bool = True
    # Personal access tokens arrived in Server/Data Center 8.14; before, basic auth only.
    personal_access_tokens: bool = True
    about: str = ""

    @property
    def version(self) -> str:
        return ".".join(map(str, self.version_numbers))


# Data Center answers deploymentType "Server" in serverInfo, as Server did.
_DC9 = Profile(
    "dc9",
    DATACENTER,
    (9, 12, 12),
    "Server",
    about="Data Center 9: paged createmeta only (the old one is gone)",
)
_DC8 = replace(
    _DC9,
    name="dc8",
    version_numbers=(8, 20, 30),
    legacy_createmeta=True,
    about="Data Center 8.20: both createmetas",
)
PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("cloud", CLOUD, (1001, 0, 0), "Cloud", about="Jira Cloud"),
        replace(
            _DC9,
            name="dc10",
            version_numbers=(10, 3, 1),
            about="Data Center 10: paged createmeta only",
        ),
        _DC9,
        _DC8,
        replace(
            _DC8,
            name="server7",
            version_numbers=(7, 6, 1),
            paged_createmeta=False,
            personal_access_tokens=False,
            about="Server 7.6: only the old createmeta, basic auth only (no tokens before 8.14)",
        ),
        replace(
            _DC9,
            name="proxy",
            refused_posts=frozenset({"/search", "/issue/bulk"}),
            about="Data Center 9 behind a proxy that answers 405 to POST search and bulk create",
        ),
        replace(
            _DC8,
            name="ignores-id-in",
            honours_id_in=False,
            about="Data Center 8.20 whose search ignores `id in (...)`",
        ),
    )
}
PROFILE_NAMES: tuple[str, ...] = tuple(PROFILES)


def resolve(profile: str | Profile | None) -> Profile | None:
    """The Profile for a name (or the Profile itself); ValueError for an unknown name."""
    if profile is None or isinstance(profile, Profile):
        return profile
    try:
        return PROFILES[profile]
    except KeyError:
        raise ValueError(f"unknown Jira profile {profile!r}; use one of {PROFILE_NAMES}") from None


def proxy_refusal(fake: FakeJira, method: str, path: str) -> Reply | None:
    """The proxy's own 405 page for a POST it refuses (Jira never sees the call)."""
    if method != "POST" or not fake.refused_posts:
        return None
    if re.sub(r"^/rest/api/[^/]+", "", path).rstrip("/") not in fake.refused_posts:
        return None
    return Reply(405, PROXY_405, {"Content-Type": "text/html"})


def missing_endpoint(ctx: Ctx, suffix: str) -> Reply | None:
    """Jira's 404 for a createmeta this site lacks; the app probes these on purpose, so it
    is no contract violation."""
    if suffix in PAGED_CREATEMETA and not ctx.fake.paged_createmeta:
        return error(404, f"null for uri: {ctx.fake.url}{ctx.path}")
    if suffix == LEGACY_CREATEMETA and not ctx.fake.legacy_createmeta:
        # Without the old resource the path falls through to GET /issue/{issueIdOrKey}.
        return error(404, NOT_FOUND)
    return None
