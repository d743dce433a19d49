"""The hostile input classes, as Hypothesis strategies.

A `Hostile` value carries two spellings: a JSON fragment, spliced raw into a request body so
that it can be what `json.dumps` would never write (NaN, Infinity, 1e999, ten thousand brackets),
and the text a form field, a query parameter or a path segment would carry.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache

from hypothesis import strategies as st

# What every database id column holds at most, and well past it (tracker/inputs.py: MAX_ID).
OUT_OF_RANGE_IDS = (2**31, 2**31 - 1, 2**63, 2**63 - 1, 10**20, -1, -(2**63), 0)
# Characters str.isdigit() calls digits but no one types as an id: superscripts, Arabic-Indic,
# fullwidth, NKo, Devanagari.
UNICODE_DIGITS = ("²", "٣", "²3", "1٣", "\uff11\uff12", "߁", "३", "¹⁰")
# C0 but tab, newline and carriage return; DEL; C1 (the set tracker/inputs.py refuses).
CONTROL_CHARACTERS = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))] + [
    chr(c) for c in range(0x7F, 0xA0)
]
# Numbers JSON parsers disagree about or that overflow every column and formula.
NUMBER_FRAGMENTS = (
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "-1e999",
    "1e308",
    "-1e308",
    "4.9e-324",
    "-0",
    "1" + "0" * 400,
    "9" * 5000,
    "123456789012345678901234567890.5",
)
NUMBER_TEXTS = ("nan", "inf", "-inf", "Infinity", "1e999", "1e308", "-0", "1" + "0" * 400, "1e-400")


@dataclass(frozen=True)
class Hostile:
    kind: str  # the input class, for the failure report
    fragment: str  # JSON text, spliced into a body as it is
    text: str  # the same value as a form field, query parameter or path segment would carry

    def __repr__(self) -> str:
        shown = self.text if len(self.text) <= 60 else f"{self.text[:40]}...({len(self.text)})"
        return f"Hostile({self.kind}: {shown!r})"


def _plain(kind: str, value: object, text: str | None = None) -> Hostile:
    return Hostile(kind, json.dumps(value), str(value) if text is None else text)


def control_text() -> st.SearchStrategy[Hostile]:
    words = st.text(st.characters(codec="ascii", categories=["L", "N", "Zs"]), max_size=8)
    return st.builds(
        lambda head, control, tail: _plain("control", f"{head}{control}{tail}"),
        words,
        st.sampled_from(CONTROL_CHARACTERS),
        words,
    )


def out_of_range_ids() -> st.SearchStrategy[Hostile]:
    return st.sampled_from(OUT_OF_RANGE_IDS).map(lambda n: _plain("id-range", n))


def unicode_digits() -> st.SearchStrategy[Hostile]:
    return st.sampled_from(UNICODE_DIGITS).map(lambda digits: _plain("unicode-digits", digits))


def deep_nesting() -> st.SearchStrategy[Hostile]:
    def nest(depth: int, arrays: bool) -> Hostile:
        text = "[" * depth + "]" * depth if arrays else '{"a":' * depth + "1" + "}" * depth
        return Hostile(f"nested-{depth}", text, text[:4000])

    return st.builds(nest, st.sampled_from([64, 2_000, 50_000]), st.booleans())


def odd_numbers() -> st.SearchStrategy[Hostile]:
    fragments = st.sampled_from(NUMBER_FRAGMENTS).map(
        lambda raw: Hostile("number", raw, raw if len(raw) < 600 else raw[:600])
    )
    texts = st.sampled_from(NUMBER_TEXTS).map(lambda raw: Hostile("number", json.dumps(raw), raw))
    return st.one_of(fragments, texts)


def wrong_types() -> st.SearchStrategy[Hostile]:
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-10, 10),
        st.floats(allow_nan=False, allow_infinity=False, width=32),
        st.text(max_size=6),
    )
    values = st.recursive(
        leaves,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
        ),
        max_leaves=6,
    )
    return values.map(
        lambda value: Hostile(
            "wrong-type", json.dumps(value), json.dumps(value, ensure_ascii=False)
        )
    )


@cache
def hostile() -> st.SearchStrategy[Hostile]:
    """Any of the input classes, each about as likely as the others. Built once: Hypothesis
    validates a strategy on first use, about 0.2 s for this one, and remembers it on the object."""
    return st.one_of(
        control_text(),
        out_of_range_ids(),
        unicode_digits(),
        deep_nesting(),
        odd_numbers(),
        wrong_types(),
    )


# One of each class, tried first on every route so that no class depends on the draw.
EXAMPLES = (
    _plain("control", "Refund\x00tickets"),
    _plain("control", "tab\tok but bell\x07"),
    _plain("id-range", 2**31),
    _plain("id-range", 2**63),
    _plain("id-range", 10**20),
    _plain("id-range", -1),
    _plain("id-range", 0),
    _plain("unicode-digits", "²"),
    _plain("unicode-digits", "٣"),
    Hostile("nested-50000", "[" * 50_000 + "]" * 50_000, "[" * 4000),
    Hostile("number", "NaN", "nan"),
    Hostile("number", "Infinity", "inf"),
    Hostile("number", "1e999", "1e999"),
    Hostile("number", "9" * 5000, "9" * 600),
    _plain("wrong-type", {"a": [1, None]}),
    _plain("wrong-type", True, "true"),
)


def explicit(slots: Sequence[str], per_slot: int = 2) -> Iterator[tuple[str, Hostile]]:
    """The examples every route gets before Hypothesis draws: each id in a path gets every bad id
    and Unicode digit; the other slots share EXAMPLES round-robin, each slot a different few and
    every example at least once."""
    numbered = [kind for kind in EXAMPLES if kind.kind in {"id-range", "unicode-digits"}]
    for slot in slots:
        if slot.startswith("path:"):
            yield from ((slot, value) for value in numbered)
    others = [slot for slot in slots if not slot.startswith("path:")] or list(slots)
    rounds = max(len(others) * per_slot, len(EXAMPLES))
    for k in range(rounds):
        yield others[k % len(others)], EXAMPLES[(k + k // len(others)) % len(EXAMPLES)]
