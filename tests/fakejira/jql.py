"""The JQL subset the app sends: AND-joined labels/key/id/project/updated/created clauses,
plus ORDER BY key|id|updated|created. Anything else is rejected so tests notice."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from .state import Issue, State

_TOKEN = re.compile(
    r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<op>>=|<=|!=|!~|=|>|<|~)"""
    r"""|(?P<punct>[(),])|(?P<word>[^\s(),=<>!~"']+))"""
)
_OPS = {
    "labels": ("=", "in"),
    "key": ("=", "in"),
    "id": ("=", "in"),
    "project": ("=", "in"),
    "updated": (">=", ">", "<=", "<", "="),
    "created": (">=", ">", "<=", "<", "="),
}
_ALIASES = {"issuekey": "key", "updateddate": "updated", "createddate": "created"}
_DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")
_BAD_DATE = (
    "Date value '{}' for field '{}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', "
    "'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
)
UNBOUNDED = (
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
)


class JqlError(Exception):
    """A 400 from the search. `contract` is False for data conditions (unknown key/project)
    that a correct client can still hit, True for queries the fake (or Jira) cannot parse.
    Like Jira, a query naming several unknown values reports each (`messages`)."""

    def __init__(self, message: str, contract: bool = True, more: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.contract = contract
        self.messages = [message, *more]


@dataclass
class Clause:
    field: str
    op: str
    values: list[str]


@dataclass
class Query:
    clauses: list[Clause] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)


def _tokens(jql: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    jql = jql.rstrip()
    while pos < len(jql):
        match = _TOKEN.match(jql, pos)
        if not match or match.end() == pos:
            raise JqlError(f"Error in the JQL Query: unexpected text at position {pos}.")
        kind = match.lastgroup or "word"
        text = match.group(kind)
        if kind == "str":
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        out.append((kind, text))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, jql: str) -> None:
        self.tokens = _tokens(jql)
        self.pos = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.pos += 1
        return token

    def keyword(self, word: str, consume: bool = True) -> bool:
        kind, text = self.peek()
        if kind == "word" and text.lower() == word:
            self.pos += consume
            return True
        return False

    def parse(self) -> Query:
        query = Query()
        if self.peek()[0] != "end" and not self.keyword("order", consume=False):
            query.clauses.append(self.clause())
            while self.keyword("and"):
                query.clauses.append(self.clause())
        if self.keyword("order"):
            self.order(query)
        if self.peek()[0] != "end":
            raise JqlError(f"Error in the JQL Query: the fake does not support '{self.peek()[1]}'.")
        return query

    def order(self, query: Query) -> None:
        if not self.keyword("by"):
            raise JqlError("Error in the JQL Query: Expecting 'BY' after 'ORDER'.")
        while True:
            kind, name = self.take()
            name = _ALIASES.get(name.lower(), name.lower())
            if kind not in ("word", "str") or name not in ("key", "id", "updated", "created"):
                raise JqlError(f"Error in the JQL Query: cannot ORDER BY '{name}' in the fake.")
            descending = self.keyword("desc")
            if not descending:
                self.keyword("asc")
            query.order.append((name, descending))
            if self.peek() != ("punct", ","):
                break
            self.take()

    def clause(self) -> Clause:
        kind, name = self.take()
        name = _ALIASES.get(name.lower(), name.lower())
        if kind not in ("word", "str") or name not in _OPS:
            raise JqlError(f"Error in the JQL Query: the fake does not support field '{name}'.")
        kind, op = self.take()
        op = op.lower()
        if op not in _OPS[name] or kind not in ("op", "word"):
            raise JqlError(f"Error in the JQL Query: unsupported operator '{op}' for '{name}'.")
        if op != "in":
            return Clause(name, op, [self.value()])
        if self.take() != ("punct", "("):
            raise JqlError("Error in the JQL Query: Expecting '(' after 'in'.")
        values = [self.value()]
        while self.peek() == ("punct", ","):
            self.take()
            values.append(self.value())
        if self.take() != ("punct", ")"):
            raise JqlError("Error in the JQL Query: Expecting ')' to close the list.")
        return Clause(name, op, values)

    def value(self) -> str:
        kind, text = self.take()
        if kind == "str" or (kind == "word" and text.lower() not in ("empty", "null", "and", "or")):
            return text
        raise JqlError(f"Error in the JQL Query: unsupported value '{text}'.")


def parse(jql: str) -> Query:
    return _Parser(jql).parse()


def _date(value: str, name: str, zone: tzinfo = UTC) -> datetime:
    """Jira reads JQL dates in the searching user's time zone (the fake's `time_zone`)."""
    if re.fullmatch(r"[-+]?\d+[wdhm](\s*\d+[wdhm])*", value.strip()):
        raise JqlError(
            f"Error in the JQL Query: the fake does not support relative dates ({value})."
        )
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=zone).astimezone(UTC)
        except ValueError:
            continue
    raise JqlError(_BAD_DATE.format(value, name))


def _matcher(
    clause: Clause, state: State, strict: bool, warnings: list[str], unknown: list[str]
) -> Any:
    name, values = clause.field, clause.values
    if name == "labels":
        return lambda issue: bool(set(values) & set(issue.labels))
    if name in ("key", "id"):
        ids = set()
        for value in values:
            issue = state.find(value) if name == "key" or value.isdigit() else None
            if issue is None:
                message = f"An issue with key '{value}' does not exist for field '{name}'."
                if name == "id" and not value.isdigit():
                    raise JqlError(f"The value '{value}' for field 'id' is invalid.")
                (unknown if strict else warnings).append(message)
            else:
                ids.add(issue.id)
        return lambda issue: issue.id in ids
    if name == "project":
        keys = set()
        for value in values:
            project = state.project(value)
            if project is None:
                message = f"The value '{value}' does not exist for the field 'project'."
                (unknown if strict else warnings).append(message)
            else:
                keys.add(project.key)
        return lambda issue: issue.project in keys
    when = _date(values[0], name, ZoneInfo(state.time_zone))
    compare = {
        ">=": lambda a: a >= when,
        ">": lambda a: a > when,
        "<=": lambda a: a <= when,
        "<": lambda a: a < when,
        "=": lambda a: a == when,
    }[clause.op]
    return lambda issue: compare(getattr(issue, name))


def _sort_value(issue: Issue, name: str) -> Any:
    if name == "key":
        project, _, number = issue.key.partition("-")
        return (project, int(number))
    if name == "id":
        return int(issue.id)
    return getattr(issue, name)


def run(query: Query, state: State, strict: bool = True) -> tuple[list[Issue], list[str]]:
    """Matching visible issues in order (default: key DESC), plus non-strict warnings."""
    warnings: list[str] = []
    unknown: list[str] = []
    with state.lock:
        matchers = [_matcher(c, state, strict, warnings, unknown) for c in query.clauses]
        if unknown:
            raise JqlError(unknown[0], contract=False, more=tuple(unknown[1:]))
        found = [i for i in state.visible_issues() if all(m(i) for m in matchers)]
        found.sort(key=lambda i: int(i.id))
        for name, descending in reversed(query.order or [("key", True)]):
            found.sort(key=lambda i, n=name: _sort_value(i, n), reverse=descending)  # type: ignore[misc]
        return found, warnings
