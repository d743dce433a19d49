"""Sending one spoiled request and judging the answer: no 5xx, and the server's own exception
named when there is one, so that a failure reads as a finding rather than a bare status."""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.fuzz.hostile import Hostile, explicit, hostile

# Deterministic (CI sees the same examples every run), no example database written into the
# repository, no shrinking (the inputs are drawn from short lists already, and a failing route
# would otherwise spend its time shrinking rather than finding the next bug). FUZZ_EXAMPLES
# raises the number of drawn examples per test for a deeper run by hand.
DRAWN = int(os.environ.get("FUZZ_EXAMPLES", "10"))
FUZZ = settings(
    max_examples=DRAWN,
    derandomize=True,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)

_ERROR_LOGGERS = ("tracker.errors", "tracker", "sync")


def spoil_every_slot(slots: Sequence[str], send: Callable[[str, Hostile], None]) -> None:
    """`send` each slot the explicit hostile values (hostile.explicit), then FUZZ's draws of a
    slot and a hostile value."""
    for slot, value in explicit(slots):
        send(slot, value)

    @FUZZ
    @given(slot=st.sampled_from(slots), value=hostile())
    def spoiled(slot: str, value: Hostile) -> None:
        send(slot, value)

    spoiled()


def summarize(exc: BaseException | None, tb: TracebackType | None = None) -> str:
    """`Type: message (file:line in function)`, the frame being the innermost one of ours."""
    if exc is None:
        return "no exception logged"
    frames = traceback.extract_tb(tb or exc.__traceback__)
    ours = [f for f in frames if "/tracker/" in f.filename or "/sync/" in f.filename]
    message = str(exc).splitlines()[0][:160] if str(exc) else ""
    place = ""
    if ours or frames:
        where = (ours or frames)[-1]
        short = where.filename.split("/main/")[-1]
        place = f" ({short}:{where.lineno} in {where.name})"
    return f"{type(exc).__name__}: {message}{place}"


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.summaries: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.summaries.append(summarize(record.exc_info[1], record.exc_info[2]))


@contextmanager
def logged_errors() -> Iterator[list[str]]:
    """The exceptions the app logs while the block runs, summarized."""
    collector = _Collector()
    loggers = [logging.getLogger(name) for name in _ERROR_LOGGERS]
    for logger in loggers:
        logger.addHandler(collector)
    try:
        yield collector.summaries
    finally:
        for logger in loggers:
            logger.removeHandler(collector)


@dataclass(frozen=True)
class Finding:
    route: str
    slot: str
    value: str  # repr of the input
    kind: str  # its input class
    status: int | str
    error: str

    def line(self) -> str:
        return f"- {self.route} | {self.slot} = {self.value} | {self.status} | {self.error}"


@dataclass
class Findings:
    """Distinct failures of one route: the same (slot class, input class, status, exception)
    counts once, with its first example."""

    route: str
    found: dict[tuple[str, str, str, str], Finding] = field(default_factory=dict)
    sent: int = 0

    def check(
        self, send: Callable[[], Any], *, slot: str, value: str, kind: str, json_answer: bool
    ) -> None:
        self.sent += 1
        with logged_errors() as errors:
            try:
                response = send()
            except Exception as exc:  # the test client raised: the app did not answer at all
                self._add(slot, value, kind, "raised", summarize(exc))
                return
        status = response.status_code
        # 502-504 are the tracker's designed answers when Jira fails (the fuzz world has no
        # Jira site); they are findings only when the app logged an exception on the way.
        if status == 500 or (status > 500 and errors):
            self._add(slot, value, kind, status, "; ".join(dict.fromkeys(errors)) or "")
        elif json_answer and status >= 400:
            body = response.get_json(silent=True)
            if not (isinstance(body, dict) and isinstance(body.get("error"), str)):
                self._add(slot, value, kind, status, f"not a JSON error: {response.data[:80]!r}")

    def _add(self, slot: str, value: str, kind: str, status: int | str, error: str) -> None:
        key = (slot.split("=")[0], kind.split("-")[0], str(status), error)
        self.found.setdefault(key, Finding(self.route, slot, value, kind, status, error))

    def report(self) -> str:
        lines = [finding.line() for finding in self.found.values()]
        return f"{len(lines)} distinct failure(s) in {self.sent} requests:\n" + "\n".join(lines)
