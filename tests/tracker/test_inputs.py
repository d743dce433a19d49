"""The input boundary's rules (tracker/inputs.py): what each refuses, with the field named."""

from __future__ import annotations

import pytest

from tracker.errors import ValidationFailed
from tracker.inputs import MAX_ID, clean_text, finite_number, id_value, int_value, optional_id


@pytest.mark.parametrize("raw", ["", "abc", "²", "٣", "1.5", "-3", "0", " ", str(MAX_ID + 1), True])
def test_ids_refused_name_the_field(raw: object) -> None:
    with pytest.raises(ValidationFailed) as caught:
        id_value(raw, "owner_id")
    assert list(caught.value.fields) == ["owner_id"]
    assert caught.value.fields["owner_id"].startswith("Owner id must be")


@pytest.mark.parametrize(("raw", "expected"), [("42", 42), (" 7 ", 7), (MAX_ID, MAX_ID), (1, 1)])
def test_ids_taken(raw: object, expected: int) -> None:
    assert id_value(raw, "id") == expected


def test_an_empty_optional_id_is_none() -> None:
    assert optional_id("  ", "owner_id") is None
    assert optional_id(None, "owner_id") is None
    with pytest.raises(ValidationFailed):
        optional_id("x", "owner_id")


@pytest.mark.parametrize("text", ["a\x00b", "bell\x07", "esc\x1b[31m", "del\x7f", "c1\x85"])
def test_control_characters_are_refused(text: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        clean_text(text, "title")
    assert caught.value.fields == {"title": "Title contains control characters; remove them."}


def test_ordinary_text_passes_unchanged() -> None:
    text = "Tabs\tand\nnew lines\r\nand ünïcödé ✓ stay"
    assert clean_text(text, "problem") is text


@pytest.mark.parametrize("raw", ["1e309", "nan", "inf", "-inf", 10**400, "1e308", "-1", "x"])
def test_numbers_outside_the_range_or_not_finite_are_refused(raw: object) -> None:
    with pytest.raises(ValidationFailed) as caught:
        finite_number(raw, "reach", low=0, high=1e9)
    assert "reach" in caught.value.fields


def test_numbers_in_range_are_floats() -> None:
    assert finite_number("2.5", "effort", low=0.1, high=1000) == 2.5
    assert finite_number(3, "effort", low=0.1, high=1000) == 3.0


@pytest.mark.parametrize("raw", ["99999999999999999999", "²", "-1", "1.0"])
def test_whole_numbers_are_bounded_ascii(raw: str) -> None:
    with pytest.raises(ValidationFailed):
        int_value(raw, "page", low=1, high=10_000)
    assert int_value("+12", "page", low=1, high=10_000) == 12
