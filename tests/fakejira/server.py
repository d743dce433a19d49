"""The WSGI app (routing, auth, contract checks, faults) and its background HTTP server."""

from __future__ import annotations

import base64
import binascii
import json
import socket
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from . import contract, handlers, meta, profiles, search
from .exchange import Ctx, Reply, error
from .faults import MALFORMED, status_reply

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .fake import FakeJira

Handler = Callable[[Ctx], Reply]
ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/serverInfo", meta.server_info),
    ("GET", "/field", meta.fields),
    ("GET", "/myself", meta.myself),
    ("GET", "/project/<key>", meta.project),
    ("GET", "/issue/createmeta", meta.createmeta_legacy),
    ("GET", "/issue/createmeta/<key>/issuetypes", meta.createmeta_types),
    ("GET", "/issue/createmeta/<key>/issuetypes/<type_id>", meta.createmeta_fields),
    ("POST", "/issue", handlers.create_issue),
    ("POST", "/issue/bulk", handlers.bulk_create),
    ("GET", "/issue/<key>", handlers.get_issue),
    ("PUT", "/issue/<key>", handlers.edit_issue),
    ("GET", "/issue/<key>/remotelink", handlers.remote_links),
    ("POST", "/issue/<key>/remotelink", handlers.add_remote_link),
    ("GET", "/issue/<key>/changelog", handlers.changelog),
    ("GET", "/search/jql", search.search_jql),
    ("POST", "/search/jql", search.search_jql),
    ("GET", "/search", search.search_legacy),
    ("POST", "/search", search.search_legacy),
]
_HANDLERS = {f"{m} {s}": h for m, s, h in ROUTES}
_MAP = Map(
    [
        Rule("/rest/api/<any('2','3','latest'):api>" + s, endpoint=f"{m} {s}", methods=[m])
        for m, s, _ in ROUTES
    ],
    strict_slashes=False,
)
# Outside the REST API document, so not contract-checked; pycontribs' add_remote_link asks.
EXTRA: dict[str, Handler] = {
    "GET /rest/applinks/latest/listApplicationlinks": lambda ctx: Reply(200, []),
}
CLOUD_ONLY = {"/search/jql", "/issue/<key>/changelog"}
CLOUD_V2 = {"/serverInfo", "/field", "/search"}  # v2 reads Cloud still answers for the fake
DROP = Reply(0)  # sentinel: close the socket without answering


def _gate(ctx: Ctx, suffix: str) -> Reply | None:
    """Which flavour answers which REST version and path, and which the site's profile lacks."""
    if ctx.cloud and suffix == "/search":
        return search.removed(ctx)
    if ctx.cloud and ctx.api == "2" and suffix not in CLOUD_V2:
        ctx.violation("the Cloud fake speaks REST v3 here; use /rest/api/3")
    elif not ctx.cloud and ctx.api == "3":
        ctx.violation("Data Center has no REST v3; use /rest/api/2")
    elif not ctx.cloud and suffix in CLOUD_ONLY:
        ctx.violation("Data Center has no such endpoint")
    else:
        return profiles.missing_endpoint(ctx, suffix)
    return error(404, f"null for uri: {ctx.fake.url}{ctx.path}")


class JiraApp:
    def __init__(self, fake: FakeJira) -> None:
        self.fake = fake

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        reply = self.handle(request)
        if reply is DROP:
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
            raise ConnectionAbortedError("fake Jira dropped the connection (lost_response)")
        if isinstance(reply.body, bytes):
            data = reply.body
        else:
            data = b"" if reply.body is None else json.dumps(reply.body).encode()
        headers = dict(reply.headers)
        content_type = headers.pop("Content-Type", "application/json")
        response = Response(data, reply.status, headers, content_type=content_type)
        return response(environ, start_response)

    def handle(self, request: Request) -> Reply:
        fake = self.fake
        raw = request.get_data()
        body = _json(raw)
        fake.record_call(request.method, request.path, request.args, body)
        if fake.latency:
            fake.sleep(fake.latency)
        refused = profiles.proxy_refusal(fake, request.method, request.path)
        if refused is not None:
            return refused
        if not fake.authorised(request.headers.get("Authorization", "")):
            return self.unauthorised()
        extra = EXTRA.get(f"{request.method} {request.path}")
        if extra is not None:
            return extra(Ctx(fake, request.method, request.path, request.args, body, ""))
        try:
            endpoint, matched = _MAP.bind("127.0.0.1").match(request.path, request.method)
        except HTTPException as exc:
            return self.unknown(request, exc.code or 404)
        args = {k: str(v) for k, v in matched.items()}
        api = args.pop("api")
        if api == "latest":
            api = "3" if fake.flavour == "cloud" else "2"
        ctx = Ctx(fake, request.method, request.path, request.args, body, api, args)
        suffix = endpoint.split(" ", 1)[1]
        gate = _gate(ctx, suffix)
        if gate is not None:
            return gate
        problem = contract.check_request(
            fake.url,
            request.method,
            request.path,
            request.args,
            raw,
            request.content_type,
            api == "2",
        )
        if problem:
            ctx.violation(problem)
            return error(
                400,
                "Invalid request payload. Refer to the REST API documentation and try again.",
                problem,
            )
        ctx.fault = fake.faults.take(request.method, request.path)
        reply = self.perform(ctx, endpoint)
        if fake.check_responses and 200 <= reply.status < 300 and reply.checked:
            bad = contract.check_response(
                fake.url, request.method, request.path, reply.status, reply.body, api == "2"
            )
            if bad:
                fake.response_violations.append(f"{request.method} {request.path}: {bad}")
        return reply

    def perform(self, ctx: Ctx, endpoint: str) -> Reply:
        """Run the handler, bent by the call's fault if one fired."""
        fault = ctx.fault
        if fault is None or fault.kind == "bulk_partial":
            return _HANDLERS[endpoint](ctx)
        if fault.kind.isdigit():
            return status_reply(fault, self.fake.now)
        if fault.kind == "slow":
            self.fake.sleep(float(fault.opts.get("seconds", 1.0)))
            return _HANDLERS[endpoint](ctx)
        if fault.kind == "lost_response":
            _HANDLERS[endpoint](ctx)
            return error(504, "Gateway Timeout") if fault.opts.get("mode") == "504" else DROP
        if fault.opts.get("perform"):  # malformed_json
            _HANDLERS[endpoint](ctx)
        return Reply(200, MALFORMED)

    def unauthorised(self) -> Reply:
        self.fake.auth_failures += 1
        reply = error(401, "Client must be authenticated to access this resource.")
        if self.fake.flavour == "cloud":
            reply.headers["WWW-Authenticate"] = 'Basic realm="protected-area"'
        else:
            reply.headers["X-Seraph-LoginReason"] = "AUTHENTICATED_FAILED"
        return reply

    def unknown(self, request: Request, code: int) -> Reply:
        path = request.path
        if contract.load().has_operation(request.method, path):
            self.fake.record_violation(
                f"{request.method} {path}: in the contract but not in the fake"
            )
            return error(501, f"The fake Jira does not implement {request.method} {path}")
        self.fake.record_violation(f"{request.method} {path}: no such operation in the contract")
        return error(code, f"null for uri: {self.fake.url}{path}")


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def basic_header(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


def decode_basic(header: str) -> tuple[str, str] | None:
    if not header.startswith("Basic "):
        return None
    try:
        user, _, secret = base64.b64decode(header[6:], validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, secret


class _QuietHandler(WSGIRequestHandler):
    timeout = 30  # an idle client socket must not block shutdown forever

    def log(self, type: str, message: str, *args: Any) -> None:
        """Keep test output clean."""


class ServerThread:
    """werkzeug's threaded server on 127.0.0.1 with an ephemeral port, in a thread."""

    def __init__(self, app: JiraApp) -> None:
        self.server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler
        )
        # Join request threads on close so no socket outlives the fake.
        self.server.daemon_threads = False  # type: ignore[attr-defined]
        self.port = self.server.port
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
