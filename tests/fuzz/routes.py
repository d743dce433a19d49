"""Every JSON route and every form, with a valid baseline request the fuzz tests spoil one
value of at a time (so the rest of the request gets past validation to the services).

`{name}` in a URL is an id of the seeded world (tests/fuzz/conftest.py); test_coverage.py checks
that these tables list every route the app serves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.helpers.accounts import PASSWORD
from tracker.models import Role

SUGGESTION = {
    "title": "Auto-close refund tickets with a receipt attached",
    "problem": "Agents open every refund ticket to check the receipt by hand.",
    "proposed_change": "Close refund tickets automatically when the receipt matches.",
    "area": "Scams and fraud",
    "queue": "Refunds",
    "weekly_volume": 1200,
    "handle_time_minutes": 6,
    "minutes_saved_per_ticket": 4,
    "automation_share": 50,
    "evidence_links": ["https://wiki.example.com/refunds"],
    "confidential": False,
}
STORY = {
    "summary": "Close matched refunds",
    "role": "refund agent",
    "want": "matched refunds closed for me",
    "benefit": "I handle the hard cases",
    "context": "Receipts arrive as PDF.",
    "acceptance_criteria": [{"given": "a receipt", "when": "it matches", "then": "close"}],
    "story_points": 3,
    "labels": ["ops"],
    "components": ["refunds"],
    "priority": "Medium",
}
INITIATIVE = {
    "name": "Faster refunds",
    "goal": "Halve refund handling time.",
    "owner_id": "{pm_id}",
    "stakeholder_ids": ["{stakeholder_id}"],
    "target_date": "2027-03-31",
}


@dataclass(frozen=True)
class JsonRoute:
    method: str
    path: str  # under `prefix`, with {placeholders} for seeded ids
    body: dict[str, Any] | None = None
    query: dict[str, str] = field(default_factory=dict)
    prefix: str = "/api/v1"

    @property
    def label(self) -> str:
        return f"{self.method} {self.prefix}{self.path}"


_BENEFIT_QUERY = {
    "area": "Content spam",
    "organisation": "internal",
    "quarter": "2026-Q1",
    "state": "measured",
    "page": "1",
    "per_page": "10",
}

API: tuple[JsonRoute, ...] = (
    JsonRoute("GET", "/me"),
    JsonRoute("GET", "/queues"),
    JsonRoute(
        "GET",
        "/queues/{queue_id}/kpis",
        query={"metric": "incoming", "from": "2026-01-05", "to": "2026-03-29", "grain": "week"},
    ),
    JsonRoute(
        "GET",
        "/queues/{queue_id}/signals",
        query={"since": "2026-01-05", "kind": "shift", "page": "1"},
    ),
    JsonRoute("GET", "/initiatives"),
    JsonRoute("POST", "/initiatives", INITIATIVE),
    JsonRoute("GET", "/initiatives/{initiative_id}"),
    JsonRoute("PATCH", "/initiatives/{initiative_id}", INITIATIVE),
    JsonRoute("POST", "/initiatives/{initiative_id}/health", {"health": "at_risk", "note": "late"}),
    JsonRoute(
        "POST", "/initiatives/{initiative_id}/suggestions", {"suggestion_id": "{suggestion_id}"}
    ),
    JsonRoute("DELETE", "/initiatives/{initiative_id}/suggestions/{suggestion_id}"),
    JsonRoute("POST", "/pushes", {"initiative_id": None, "story_ids": ["{draft_id}"]}),
    JsonRoute("GET", "/pushes/{job_id}"),
    JsonRoute(
        "GET",
        "/stories",
        query={"initiative": "{initiative_id}", "state": "ready", "page": "1", "per_page": "5"},
    ),
    JsonRoute("GET", "/stories/{draft_id}"),
    JsonRoute("PATCH", "/stories/{draft_id}", STORY),
    JsonRoute("DELETE", "/stories/{draft_id}"),
    JsonRoute("GET", "/stories/{draft_id}/preview"),
    JsonRoute("POST", "/stories/{draft_id}/ready"),
    JsonRoute(
        "GET",
        "/suggestions",
        query={
            "q": "refund",
            "area": "Scams and fraud",
            "status": "new",
            "vendor": "internal",
            "initiative": "{initiative_id}",
            "submitter": "{submitter_id}",
            "page": "1",
            "per_page": "10",
        },
    ),
    JsonRoute("POST", "/suggestions", SUGGESTION),
    JsonRoute("POST", "/suggestions/import", {"rows": [SUGGESTION], "dry_run": True}),
    JsonRoute(
        "POST",
        "/kpis",
        {
            "rows": [{"queue": "Refunds", "day": "2026-11-30", "metric": "incoming", "value": 812}],
            "mode": "valid",
            "dry_run": True,
        },
    ),
    JsonRoute("GET", "/suggestions/mine"),
    JsonRoute(
        "GET",
        "/suggestions/similar",
        query={
            "title": "refund",
            "problem": "receipt",
            "exclude_id": "{suggestion_id}",
            "limit": "3",
        },
    ),
    JsonRoute("GET", "/suggestions/{suggestion_id}"),
    JsonRoute("GET", "/suggestions/{suggestion_id}/benefit"),
    JsonRoute(
        "POST", "/suggestions/{suggestion_id}/delivered", {"on": "2026-03-02", "note": "Live."}
    ),
    JsonRoute("GET", "/benefits", query=_BENEFIT_QUERY),
    JsonRoute("PATCH", "/suggestions/{suggestion_id}", SUGGESTION),
    JsonRoute("GET", "/suggestions/{suggestion_id}/comments"),
    JsonRoute("POST", "/suggestions/{suggestion_id}/comments", {"body": "Same here."}),
    JsonRoute("GET", "/suggestions/{suggestion_id}/history"),
    JsonRoute(
        "POST", "/suggestions/{suggestion_id}/merge", {"target_id": "{other_id}", "reason": "dupe"}
    ),
    JsonRoute(
        "POST",
        "/suggestions/{suggestion_id}/score",
        {"framework": "rice", "inputs": {"reach": 400, "impact": 1, "confidence": 80, "effort": 2}},
    ),
    JsonRoute(
        "POST",
        "/suggestions/{suggestion_id}/sharing",
        {"confidential": False, "shared_with_vendors": True},
    ),
    JsonRoute(
        "POST", "/suggestions/{suggestion_id}/status", {"status": "declined", "reason": "Policy"}
    ),
    JsonRoute("POST", "/suggestions/{suggestion_id}/stories"),
    JsonRoute("POST", "/suggestions/{suggestion_id}/unmerge", {"reason": "Different queues"}),
    JsonRoute("POST", "/suggestions/{suggestion_id}/votes", {"frequency": "daily", "note": "+1"}),
    JsonRoute("DELETE", "/suggestions/{suggestion_id}/votes"),
    JsonRoute("POST", "/suggestions/{suggestion_id}/watch", {"watching": True}),
    JsonRoute(
        "POST",
        "/jira",
        {"webhookEvent": "jira:issue_updated", "issue": {"id": "10001", "key": "OPS-1"}},
        prefix="/hooks",
    ),
)


@dataclass(frozen=True)
class Form:
    endpoint: str
    method: str
    url: str  # with {placeholders} for seeded ids
    fields: Mapping[str, str | list[str]] = field(default_factory=dict)
    role: Role = Role.PM

    @property
    def label(self) -> str:
        return f"{self.method} {self.url}"


_SUGGESTION_FORM = {
    "title": "Auto-close refund tickets with a receipt attached",
    "problem": "Agents open every refund ticket to check the receipt by hand.",
    "proposed_change": "Close refund tickets automatically when the receipt matches.",
    "area": "Scams and fraud",
    "queue": "Refunds",
    "weekly_volume": "1200",
    "handle_time_minutes": "6",
    "minutes_saved_per_ticket": "4",
    "automation_share": "50",
    "evidence_links": "OPS-123",
}
_BACKLOG_QUERY = {
    "q": "refund",
    "area": "Scams and fraud",
    "status": "new",
    "vendor": "internal",
    "initiative": "{initiative_id}",
    "submitter": "me",
    "sort": "votes",
    "dir": "asc",
    "page": "2",
    "per_page": "10",
}
_STORY_FORM = {
    "summary": "Close matched refunds",
    "role": "refund agent",
    "want": "matched refunds closed",
    "benefit": "hard cases get time",
    "context": "Receipts arrive as PDF.",
    "criteria-0-given": "a receipt",
    "criteria-0-when": "it matches",
    "criteria-0-then": "close",
    "story_points": "3",
    "labels": "ops",
    "components": "refunds",
    "priority": "Medium",
}
_INITIATIVE_FORM: dict[str, str | list[str]] = {
    "name": "Faster refunds",
    "goal": "Halve refund handling time.",
    "owner_id": "{pm_id}",
    "target_date": "2027-03-31",
    "stakeholder_ids": ["{stakeholder_id}"],
}

FORMS: tuple[Form, ...] = (
    # Query-string forms (filters, searches, pages).
    Form("backlog.index", "GET", "/backlog", _BACKLOG_QUERY),
    Form("backlog.export", "GET", "/backlog/export.csv", _BACKLOG_QUERY),
    Form("backlog.matrix_page", "GET", "/matrix", {"area": "Scams and fraud"}),
    Form("stories.index", "GET", "/stories", {"initiative": "{initiative_id}", "state": "ready"}),
    Form("suggestions.similar", "GET", "/suggestions/similar", {"title": "x", "problem": "y"}),
    Form("suggestions.new", "GET", "/suggestions/new", {"queue_id": "1", "signal": "1"}),
    Form("queue_evidence.lookup", "GET", "/queues/evidence", {"queue": "Refunds"}),
    Form("kpi_loads.index", "GET", "/admin/kpis", {"page": "2", "per_page": "10"}),
    Form("kpi_loads.pull", "POST", "/admin/kpis/pull/dwh"),
    Form("queues.index", "GET", "/queues", {"page": "1", "per_page": "10"}),
    Form("queues.detail", "GET", "/queues/{queue_id}", {"years": "3"}),
    Form("queues.kpis_csv", "GET", "/queues/{queue_id}/kpis.csv", {"years": "1"}),
    Form("queues.edit", "GET", "/queues/{queue_id}/edit"),
    Form(
        "queues.create",
        "POST",
        "/queues/new",
        {
            "name": "Refund disputes",
            "area": "Scams and fraud",
            "description": "Disputed refunds",
            "active": "y",
            "organisation_ids": ["{organisation_id}"],
        },
    ),
    Form(
        "queues.edit",
        "POST",
        "/queues/{queue_id}/edit",
        {"name": "Spam reports (EN)", "area": "Content spam", "active": "y"},
    ),
    Form("queues.merge", "POST", "/queues/merge", {"source_ids": ["2"], "target_id": "1"}),
    Form("suggestions.mine", "GET", "/suggestions/mine", {"page": "1", "per_page": "5"}),
    Form("benefits.index", "GET", "/benefits", _BENEFIT_QUERY),
    Form("roadmap.index", "GET", "/roadmap", {"area": "Content spam"}),
    Form("roadmap.index", "GET", "/roadmap", {"area": "Content spam"}, role=Role.VENDOR),
    Form("roadmap.export_markdown", "GET", "/roadmap/export.md", {"area": "Content spam"}),
    Form(
        "deliveries.mark_delivered",
        "POST",
        "/suggestions/{suggestion_id}/delivered",
        {"on": "2026-03-02", "note": "Live."},
    ),
    Form("benefits.export_csv", "GET", "/benefits/export.csv", _BENEFIT_QUERY),
    Form("benefits.export_markdown", "GET", "/benefits/export.md", _BENEFIT_QUERY),
    Form("checkins.index", "GET", "/organisations/checkins"),
    Form("checkins.show", "GET", "/organisations/{organisation_id}/checkin"),
    Form("checkins.show", "GET", "/organisations/{organisation_id}/checkin", role=Role.VENDOR),
    Form("checkins.export", "GET", "/organisations/{organisation_id}/checkin.md"),
    Form(
        "checkins.record",
        "POST",
        "/organisations/{organisation_id}/checkin",
        {
            "held_on": "2026-01-05",
            "notes": "Went through the refund backlog.",
            "open_questions": "Can you share handle times?",
        },
    ),
    Form("digests.index", "GET", "/digests", {"audience": "internal", "page": "1"}),
    Form("digests.markdown", "GET", "/digests/{digest_id}.md", {"download": "1"}),
    Form("jira.pushes", "GET", "/jira/pushes", {"page": "1", "per_page": "5"}),
    Form("initiatives.index", "GET", "/initiatives", {"page": "1"}),
    Form("auth.login", "GET", "/login", {"next": "/backlog"}),
    # Pages addressed by id.
    Form("suggestions.detail", "GET", "/suggestions/{suggestion_id}"),
    Form("suggestions.edit", "GET", "/suggestions/{suggestion_id}/edit"),
    Form("stories.detail", "GET", "/stories/{draft_id}"),
    Form("stories.edit", "GET", "/stories/{draft_id}/edit"),
    Form("stories.preview", "GET", "/stories/{draft_id}/preview"),
    Form("initiatives.detail", "GET", "/initiatives/{initiative_id}"),
    Form("initiatives.edit", "GET", "/initiatives/{initiative_id}/edit"),
    Form("digests.page", "GET", "/digests/{digest_id}"),
    Form("jira.progress", "GET", "/jira/pushes/{job_id}"),
    Form("admin.user_edit", "GET", "/admin/users/{submitter_id}", role=Role.ADMIN),
    Form("preferences.unsubscribe", "GET", "/unsubscribe/{unsubscribe}"),
    # POST forms.
    Form("account.token_create", "POST", "/account/tokens", {"name": "laptop"}),
    Form("account.token_revoke", "POST", "/account/tokens/{token_id}/revoke"),
    Form("account.session_revoke", "POST", "/account/sessions/{session_id}/revoke"),
    Form("account.session_revoke_others", "POST", "/account/sessions/revoke-others"),
    Form(
        "account.password",
        "POST",
        "/account/password",
        # The same password again, so that a change that goes through changes nothing.
        {"current_password": PASSWORD, "new_password": PASSWORD},
    ),
    Form(
        "admin.user_create",
        "POST",
        "/admin/users",
        {
            "email": "new@example.com",
            "display_name": "New Person",
            "role": "vendor",
            "organisation_id": "{organisation_id}",
            "password": "a long enough password",
        },
        Role.ADMIN,
    ),
    Form(
        "admin.user_edit",
        "POST",
        "/admin/users/{submitter_id}",
        {"role": "submitter", "organisation_id": "", "is_active": "y"},
        Role.ADMIN,
    ),
    Form(
        "admin.organisations",
        "POST",
        "/admin/organisations",
        {"name": "Vendor Two", "is_vendor": "y"},
        Role.ADMIN,
    ),
    Form("auth.login", "POST", "/login", {"email": "pm@example.com", "password": "secret"}),
    Form(
        "backlog.import_csv",
        "POST",
        "/suggestions/import",
        {
            "csv_text": "title,problem,proposed_change,area\nA,B,C,Scams and fraud\n",
            "filename": "ideas.csv",
            "mode": "all_or_nothing",
            "action": "import",
        },
    ),
    # The form fields only (the fuzz sends no file): the upload itself is tested in
    # tests/tracker/views/kpis/test_kpi_import_page.py.
    Form("kpi_imports.import_csv", "POST", "/kpis/import", {"mode": "valid", "dry_run": "y"}),
    Form("digests.send_now", "POST", "/digests/send-now"),
    Form("initiatives.create", "POST", "/initiatives/new", _INITIATIVE_FORM),
    Form("initiatives.edit", "POST", "/initiatives/{initiative_id}/edit", _INITIATIVE_FORM),
    Form(
        "initiatives.health",
        "POST",
        "/initiatives/{initiative_id}/health",
        {"health": "at_risk", "note": "late"},
    ),
    Form(
        "initiatives.add_suggestion",
        "POST",
        "/initiatives/{initiative_id}/suggestions",
        {"suggestion_id": "{suggestion_id}"},
    ),
    Form(
        "initiatives.remove_suggestion",
        "POST",
        "/initiatives/{initiative_id}/suggestions/{suggestion_id}/remove",
    ),
    Form("initiatives.follow", "POST", "/initiatives/{initiative_id}/follow"),
    Form("initiatives.unfollow", "POST", "/initiatives/{initiative_id}/unfollow"),
    Form("jira.check_run", "POST", "/jira/check", role=Role.ADMIN),
    Form("jira.push", "POST", "/jira/push", {"story_ids": ["{draft_id}"]}),
    Form("jira.initiative_push", "POST", "/jira/initiatives/{initiative_id}/push"),
    Form("jira.story_update", "POST", "/jira/stories/{draft_id}/update"),
    Form("jira.story_unlink", "POST", "/jira/stories/{draft_id}/unlink"),
    Form("jira.story_relink", "POST", "/jira/stories/{draft_id}/relink", {"key": "OPS-12"}),
    Form(
        "preferences.email",
        "POST",
        "/account/email",
        {"notifications": "y", "digests": "y", "areas": ["Scams and fraud"]},
    ),
    Form("preferences.unfollow", "POST", "/account/email/initiatives/{initiative_id}/unfollow"),
    Form("preferences.unsubscribe_confirm", "POST", "/unsubscribe/{unsubscribe}"),
    Form("stories.generate", "POST", "/stories/generate/{suggestion_id}"),
    Form("stories.generate_selected", "POST", "/stories/generate", {"suggestion_id": "{other_id}"}),
    Form("stories.edit", "POST", "/stories/{draft_id}/edit", _STORY_FORM),
    Form("stories.ready", "POST", "/stories/{draft_id}/ready"),
    Form("stories.delete", "POST", "/stories/{draft_id}/delete"),
    Form("suggestions.create", "POST", "/suggestions/new", _SUGGESTION_FORM),
    Form("suggestions.update", "POST", "/suggestions/{suggestion_id}/edit", _SUGGESTION_FORM),
    Form("suggestions.vote", "POST", "/suggestions/{suggestion_id}/vote", {"frequency": "daily"}),
    Form("suggestions.unvote", "POST", "/suggestions/{suggestion_id}/unvote"),
    Form("suggestions.comment", "POST", "/suggestions/{suggestion_id}/comments", {"body": "+1"}),
    Form("suggestions.watch", "POST", "/suggestions/{suggestion_id}/watch", {"watching": "1"}),
    Form(
        "suggestions.change_status",
        "POST",
        "/suggestions/{suggestion_id}/status",
        {"to": "declined", "reason": "Policy"},
    ),
    Form(
        "suggestions.score",
        "POST",
        "/suggestions/{suggestion_id}/score",
        {"framework": "rice", "reach": "400", "impact": "1", "confidence": "80", "effort": "2"},
    ),
    Form(
        "suggestions.merge",
        "POST",
        "/suggestions/{suggestion_id}/merge",
        {"target_id": "{other_id}", "reason": "dupe"},
    ),
    Form("suggestions.unmerge", "POST", "/suggestions/{suggestion_id}/unmerge"),
    Form(
        "suggestions.sharing",
        "POST",
        "/suggestions/{suggestion_id}/sharing",
        {"confidential": "y", "shared_with_vendors": "y"},
    ),
    Form("sync_runs.start", "POST", "/admin/sync/run", {"kind": "status"}, Role.ADMIN),
)
