"""Reading HTML pages the way a person does, and switching who is signed in."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from tracker.models import User

if TYPE_CHECKING:
    from tests.helpers.client import TrackerClient


def text_of(page: str) -> str:
    """What a reader sees: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def switch_to(client: TrackerClient, user: User) -> None:
    client.submit("/logout")
    assert client.login(user.email).status_code == 302


def vote_count(page: str) -> int:
    match = re.search(r'<span class="vote-count">(\d+)</span>', page)
    assert match, "no vote count on the page"
    return int(match.group(1))
