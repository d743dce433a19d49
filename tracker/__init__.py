"""Initiative Tracker: `create_app()` wires config, database, security, blueprints, the CLI and
the ports through which the web reaches Jira (tracker/services/ports.py, sync/gateway.py)."""

from __future__ import annotations

import gc
import logging
from pathlib import Path
from typing import Any

from flask import Flask, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from sync.gateway import SyncGateway
from tracker import auth, cli, db, formatting, migrate, permissions, security
from tracker.api import bp as api_bp
from tracker.config import Settings, load_settings
from tracker.converters import IdConverter, StrictJSONProvider
from tracker.errors import json_error, register_error_handlers, wants_json
from tracker.services import ports
from tracker.services.accounts import passwords
from tracker.views import (
    account,
    admin,
    backlog,
    benefits,
    checkins,
    deliveries,
    digests,
    home,
    hooks,
    initiatives,
    jira,
    kpi_imports,
    kpi_loads,
    preferences,
    queue_evidence,
    queues,
    roadmap,
    stories,
    suggestions,
    sync_runs,
)
from tracker.views import auth as auth_views

__all__ = ["create_app"]

PACKAGE_DIR = Path(__file__).resolve().parent


def _templates_dir() -> Path:
    """Top-level `templates/` in a checkout; `tracker/templates` inside a built wheel."""
    for candidate in (PACKAGE_DIR / "templates", PACKAGE_DIR.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the templates folder is missing from this installation")


def create_app(
    test_config: dict[str, Any] | None = None, instance_path: str | Path | None = None
) -> Flask:
    """Build the app. `test_config` overrides settings (same shape as the TOML file)."""
    app = Flask(
        __name__,
        instance_path=str(instance_path) if instance_path else None,
        instance_relative_config=True,
        template_folder=str(_templates_dir()),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    # Before any route is added: every `<int:...>` is a bounded id, pages and API alike.
    app.url_map.converters["int"] = IdConverter
    app.json = StrictJSONProvider(app)
    settings = load_settings(Path(app.instance_path), test_config)
    _configure(app, settings)
    db.init_app(app, settings.database_url.get_secret_value())
    _refuse_unmigrated_database(app)  # first hook: nothing may query a missing table
    permissions.init_app(app)  # before CSRF, so strangers get 401/403, not a CSRF complaint
    security.init_app(app, settings)
    auth.init_app(app)
    register_error_handlers(app)
    formatting.init_app(app)
    _register_blueprints(app)
    gateway = SyncGateway(app)
    ports.register(app, jira_port=gateway, digest_port=gateway, kpi_pull_port=gateway)
    cli.register(app)
    if settings.env != "testing":
        # Objects built at start-up live for the whole process; keeping them out of the cyclic
        # collector removes its full-collection pauses from request latency (bench/backlog.py).
        gc.freeze()
    return app


def _configure(app: Flask, settings: Settings) -> None:
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.secret_key.get_secret_value(),
        TESTING=settings.env == "testing",
        PERMANENT_SESSION_LIFETIME=settings.security.session_lifetime_hours * 3600,
        JSON_SORT_KEYS=False,
    )
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if settings.env == "testing":
        passwords.use_cheap_hashing()


def _register_blueprints(app: Flask) -> None:
    for blueprint in (
        home.bp,
        auth_views.bp,
        account.bp,
        admin.bp,
        suggestions.bp,
        backlog.bp,
        initiatives.bp,
        stories.bp,
        jira.bp,
        digests.bp,
        preferences.bp,
        hooks.bp,
        sync_runs.bp,
        queue_evidence.bp,  # before queues.bp: /queues/evidence is not a queue id
        queues.bp,
        kpi_imports.bp,
        kpi_loads.bp,
        benefits.bp,
        checkins.bp,
        deliveries.bp,
        roadmap.bp,
    ):
        app.register_blueprint(blueprint)
    app.register_blueprint(api_bp)
    security.csrf.exempt(api_bp)  # bearer tokens only; cookies are ignored there

    @app.context_processor
    def _template_helpers() -> dict[str, Any]:
        return {
            "can": lambda permission: permissions.allowed(
                current_user, permissions.Permission(permission)
            ),
            "app_settings": app.config["SETTINGS"],
        }


def _refuse_unmigrated_database(app: Flask) -> None:
    state = {"ready": False}

    @app.before_request
    def _check_schema() -> Response | tuple[str, int] | None:
        if state["ready"] or request.endpoint == "static":
            return None
        if migrate.is_up_to_date(db.engine(app)):
            state["ready"] = True
            return None
        message = "The database schema is not up to date. Run `tracker db upgrade`, then reload."
        if wants_json():
            return json_error(503, message)
        return render_template(
            "errors/error.html", status=503, title="Upgrade needed", message=message
        ), 503
