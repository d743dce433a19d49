"""`tracker serve` (what `make run` ends with): the summary box and a port already in use."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest

from tracker import db
from tracker.services.accounts import users


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """The (host, port) of each server `serve` would start; none is started."""
    started: list[tuple[str, int]] = []

    def fake_run_simple(host: str, port: int, *_args: object, **_kwargs: object) -> None:
        started.append((host, port))

    monkeypatch.setattr("tracker.cli.server.run_simple", fake_run_simple)
    return started


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 another program listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def test_serve_ends_start_up_with_a_box_holding_the_first_admin(tracker, client, served):
    first = tracker("serve", "--without-scheduler", "--port", "0", "--ensure-admin").output
    box = [line for line in first.splitlines() if line.startswith(("|", "+"))]
    assert box[0].startswith("+-")
    assert box[-1] == box[0]
    assert first.rstrip().endswith(box[-1])  # nothing after the box: it ends the start-up
    text = "\n".join(box)
    assert "http://127.0.0.1:0/" in text
    assert "Admin: admin@example.com" in text
    found = re.search(r"Password: (\S+)", text)
    assert found, text
    assert served == [("127.0.0.1", 0)]
    assert client.login("admin@example.com", found.group(1)).status_code == 302

    again = tracker("serve", "--without-scheduler", "--port", "0", "--ensure-admin").output
    assert found.group(1) not in again  # shown once only
    assert "`tracker users set-password admin@example.com`" in again


def test_serve_without_ensure_admin_shows_the_address_only(tracker, served):
    output = tracker("serve", "--without-scheduler", "--port", "0").output
    assert "Initiative Tracker: http://127.0.0.1:0/" in output
    assert "Admin" not in output


def test_a_busy_port_is_one_sentence_before_anything_starts(app, tracker, served, busy_port):
    result = tracker(
        "serve", "--without-scheduler", "--port", str(busy_port), "--ensure-admin", expect=1
    )
    assert result.output.strip() == (
        f"Error: Port {busy_port} on 127.0.0.1 is in use; run `make run PORT={busy_port + 1}` "
        f"(or `tracker serve --port {busy_port + 1}`)."
    )
    assert served == []
    with db.session_scope(app) as session:
        # No admin made whose generated password no one saw.
        assert list(users.list_users(session)) == []


def test_an_address_not_on_this_machine_is_one_sentence(tracker, served):
    # 192.0.2.1 is for documentation (RFC 5737): numeric, so no name is looked up.
    result = tracker("serve", "--without-scheduler", "--host", "192.0.2.1", expect=1)
    assert result.output.startswith("Error: Cannot listen on port 5000 on 192.0.2.1: ")
    assert len(result.output.strip().splitlines()) == 1
    assert served == []


@pytest.mark.parametrize("port", ["-1", "65536", "5x"])
def test_a_port_out_of_range_is_refused(tracker, served, port):
    tracker("serve", "--without-scheduler", "--port", port, expect=2)
    assert served == []
