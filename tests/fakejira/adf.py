"""Atlassian Document Format helpers: wrap wiki text, check a doc, pull its text out."""

from __future__ import annotations

from typing import Any


def to_adf(text: str) -> dict[str, Any]:
    """A minimal ADF doc holding `text` as one paragraph (empty text gives an empty doc)."""
    content = [{"type": "paragraph", "content": [{"type": "text", "text": text}]}] if text else []
    return {"type": "doc", "version": 1, "content": content}


def is_adf(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and value.get("type") == "doc"
        and value.get("version") == 1
        and isinstance(value.get("content"), list)
    )


def adf_text(node: Any) -> str:
    """Concatenated text of an ADF node, paragraphs separated by newlines."""
    if not isinstance(node, dict):
        return ""
    if node.get("type") == "text":
        return str(node.get("text", ""))
    parts = [adf_text(child) for child in node.get("content") or []]
    return ("\n" if node.get("type") == "doc" else "").join(parts)
