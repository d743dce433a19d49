"""Exports a person downloads: an attachment that no cache keeps, as what it holds depends on
who asked (visibility rules narrow every export)."""

from __future__ import annotations

from werkzeug.wrappers import Response


def private_download(body: str, *, mimetype: str, filename: str) -> Response:
    return Response(
        body.encode("utf-8"),
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
