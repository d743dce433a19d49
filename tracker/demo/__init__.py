"""A realistic demo data set (`tracker demo load`, `make run DEMO=1`): people from agents and two
vendors, about 60 ideas with evidence, votes, comments, decisions, a merged duplicate, two
initiatives with story drafts, stories and epics in a placeholder Jira with their status history
(delivered ideas, a stuck and a missing story), and last week's digests for every audience. The
history is spread over the past weeks (tracker.demo.timeline)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from tracker.config import Settings
from tracker.demo import benefits as demo_benefits
from tracker.demo import delivery, digests, kpis, timeline
from tracker.demo.ideas import IDEAS
from tracker.models import (
    Initiative,
    Organisation,
    Role,
    Status,
    StoryDraft,
    Suggestion,
    User,
    utcnow,
)
from tracker.services.accounts import users as accounts
from tracker.services.digests import periods
from tracker.services.email import preferences
from tracker.services.kpis import signal_scan
from tracker.services.stories import drafts as stories
from tracker.services.stories import initiatives
from tracker.services.suggestions import decisions, engagement, visibility
from tracker.services.suggestions import submissions as suggestions
from tracker.services.suggestions.score_inputs import Framework

DEMO_PASSWORD = "demo password 2026"  # noqa: S105 (published demo accounts)
VENDORS = ("Northwind BPO", "Bluewave Support")
REGIONS = ("", " (EMEA)", " (APAC)")
COMMENTS = (
    "We hit this every shift; it is the biggest time sink in the queue.",
    "Our vendor team tracks this too: roughly **40 tickets a day** for us.",
    "Would this need a policy sign-off first?",
    "+1. The workaround today is a spreadsheet that goes stale within a week.",
    "Legal asked about this last quarter; worth checking with them before building.",
    "See the queue dashboard for the weekly numbers: https://dashboards.example.com/queues",
)
DECLINE_REASONS = (
    "Covered by the new console release next quarter; we will revisit afterwards.",
    "The volume is too small to justify engineering time this half.",
    "Conflicts with the data-retention policy; legal cannot approve it.",
)


@dataclass
class DemoSummary:
    users: int
    suggestions: int
    votes: int
    comments: int
    created: bool
    pushed: int = 0  # stories in the placeholder Jira
    delivered: int = 0
    digests: int = 0
    kpi_values: int = 0  # a year of daily KPIs for the demo queues


def _person(session: Session, email: str, name: str, role: Role, org: Organisation | None) -> User:
    return accounts.create_user(
        session,
        actor=None,
        email=email,
        display_name=name,
        password=DEMO_PASSWORD,
        role=role,
        organisation_id=org.id if org else None,
    )


def _score_inputs(framework: str, suggestion: Suggestion, rng: random.Random) -> dict[str, object]:
    hours = suggestion.hours_saved_per_week or rng.uniform(5, 60)
    effort = rng.choice((1, 2, 3, 4, 5))
    if framework == Framework.VALUE_EFFORT:
        return {"value": min(5, max(1, round(hours / 15) + 1)), "effort": effort}
    if framework == Framework.ICE:
        return {
            "impact": min(10, max(1, round(hours / 8))),
            "confidence": rng.randint(4, 9),
            "ease": 11 - 2 * effort,
        }
    if framework == Framework.WSJF:
        fib = (1, 2, 3, 5, 8, 13, 20)
        return {
            "business_value": rng.choice(fib),
            "time_criticality": rng.choice(fib[:5]),
            "risk_reduction": rng.choice(fib[:4]),
            "job_size": rng.choice(fib[1:6]),
        }
    return {
        "reach": round(hours),
        "impact": rng.choice((0.5, 1, 2, 3)),
        "confidence": rng.choice((50, 80, 100)),
        "effort": rng.choice((0.5, 1, 2, 3)),
    }


def load(session: Session, *, settings: Settings, seed: int = 7) -> DemoSummary:
    """Create the demo data unless it is there already (found by its vendor organisations)."""
    if session.exec(select(Organisation).where(Organisation.name == VENDORS[0])).first():
        return DemoSummary(0, 0, 0, 0, created=False)
    rng = random.Random(seed)  # noqa: S311 (demo data, not security)
    orgs = [accounts.create_organisation(session, name=name, is_vendor=True) for name in VENDORS]
    pm = _person(session, "priya.pm@example.com", "Priya Raman", Role.PM, None)
    _person(session, "marco.pm@example.com", "Marco Silva", Role.PM, None)
    stakeholders = [
        _person(session, "dana.lead@example.com", "Dana Okafor", Role.STAKEHOLDER, None),
        _person(session, "lee.director@example.com", "Lee Chen", Role.STAKEHOLDER, None),
    ]
    agents = [
        _person(session, f"agent{n}@example.com", name, Role.SUBMITTER, None)
        for n, name in enumerate(("Sam Patel", "Alex Kim", "Jordan Reyes", "Maya Cohen"), 1)
    ]
    vendor_staff = [
        _person(session, f"{slug}@{org.name.split()[0].lower()}.example", name, Role.VENDOR, org)
        for org, people in zip(
            orgs, (("Ana Costa", "Ben Ito"), ("Chloe Adams", "Dev Rao")), strict=True
        )
        for name, slug in ((p, p.split()[0].lower()) for p in people)
    ]
    submitters = agents + vendor_staff
    areas = settings.suggestions.areas
    created: list[Suggestion] = []
    for region in REGIONS:
        for area, queue, title, problem, change in IDEAS:
            if len(created) >= 60:
                break
            author = rng.choice(submitters)
            volume = rng.choice((120, 300, 800, 1500, 2400, 4000))
            handle = rng.choice((4, 6, 9, 12, 18))
            suggestion = suggestions.create_suggestion(
                session,
                actor=author,
                areas=areas,
                raw={
                    "title": title + region,
                    "problem": problem,
                    "proposed_change": change,
                    "area": area if area in areas else areas[-1],
                    "queue": queue + region,
                    "weekly_volume": volume,
                    "handle_time_minutes": handle,
                    "minutes_saved_per_ticket": round(handle * rng.choice((0.2, 0.35, 0.5)), 1),
                    "evidence_links": [f"OPS-{rng.randint(1000, 9999)}"],
                },
            )
            suggestion.created_at = utcnow() - timedelta(
                days=rng.randint(1, 90), hours=rng.randint(0, 23)
            )
            created.append(suggestion)
    votes = comments = 0
    for suggestion in created:
        assert suggestion.id is not None
        for voter in rng.sample([*submitters, pm], rng.randint(0, 7)):
            if visibility.can_view(voter, suggestion):
                engagement.vote(
                    session,
                    actor=voter,
                    suggestion_id=suggestion.id,
                    frequency=rng.choice(tuple(engagement.FREQUENCIES)),
                )
                votes += 1
        for _ in range(rng.randint(0, 2)):
            author = rng.choice([*agents, pm])
            engagement.add_comment(
                session, actor=author, suggestion_id=suggestion.id, body=rng.choice(COMMENTS)
            )
            comments += 1
    _decide(session, pm, created, settings, rng)
    now = utcnow()
    # The last scheduled digest: its week holds pushes, Jira changes and a delivered idea.
    period_end = periods.period_end_for(settings, now)
    drafts = _plan(session, pm, created, settings, stakeholders, period_end=period_end)
    jira = delivery.run(
        session, pm=pm, drafts=drafts, settings=settings, period_end=period_end, now=now
    )
    timeline.retime(session, ideas=created, period_end=period_end, now=now, rng=rng)
    session.flush()
    by_hand = demo_benefits.deliver_by_hand(
        session, pm=pm, ideas=created, settings=settings, now=now
    )
    # After the retiming: the level shift follows the delivered idea's real delivery day.
    ops = kpis.load(
        session, organisations=orgs, today=now.date(), now=now, seed=seed, effects=by_hand
    )
    # The nightly scan's findings, so the spike and the shift show as signals straight away.
    signal_scan.scan(session, settings=settings, today=now.date())
    demo_benefits.measure_all(session, settings=settings, now=now)
    _follow_areas(session, stakeholders[1], settings)
    prepared = digests.prepare_last_week(session, settings=settings, period_end=period_end, now=now)
    return DemoSummary(
        len(submitters) + 4,
        len(created),
        votes,
        comments,
        created=True,
        pushed=jira.pushed,
        delivered=jira.delivered,
        digests=len(prepared),
        kpi_values=ops.values,
    )


def _follow_areas(session: Session, stakeholder: User, settings: Settings) -> None:
    """One stakeholder also follows areas, so their digest reaches beyond their initiatives."""
    wanted = [
        area
        for area in ("Content spam", "Platform manipulation")
        if area in settings.suggestions.areas
    ]
    preferences.set_preferences(
        session,
        user=stakeholder,
        settings=settings,
        notifications=True,
        digests=True,
        areas=wanted,
    )


def _decide(
    session: Session, pm: User, ideas: list[Suggestion], settings: Settings, rng: random.Random
) -> None:
    framework = settings.scoring.framework
    pool = ideas[:]
    rng.shuffle(pool)
    for index, suggestion in enumerate(pool[:36]):
        assert suggestion.id is not None
        decisions.change_status(
            session, actor=pm, suggestion_id=suggestion.id, to=Status.UNDER_REVIEW
        )
        decisions.score(
            session,
            actor=pm,
            suggestion_id=suggestion.id,
            framework=framework,
            inputs=_score_inputs(framework, suggestion, rng),
        )
        if index < 14:
            decisions.change_status(
                session,
                actor=pm,
                suggestion_id=suggestion.id,
                to=Status.ACCEPTED,
                reason="High volume and a cheap fix.",
            )
        elif index < 18:
            decisions.change_status(
                session,
                actor=pm,
                suggestion_id=suggestion.id,
                to=Status.DECLINED,
                reason=rng.choice(DECLINE_REASONS),
            )
        elif index < 21:
            decisions.change_status(
                session,
                actor=pm,
                suggestion_id=suggestion.id,
                to=Status.PARKED,
                reason="Revisit after the console migration.",
            )
    # The regional copies of one idea are merged into the original to show merging.
    original, copy = ideas[4], ideas[4 + len(IDEAS)]
    if copy.status in (Status.NEW, Status.UNDER_REVIEW) and original.status is not Status.DUPLICATE:
        assert copy.id is not None
        assert original.id is not None
        decisions.merge(
            session,
            actor=pm,
            duplicate_id=copy.id,
            target_id=original.id,
            reason="Same idea from another region.",
        )


INITIATIVES = (
    (
        "Faster scam response",
        "Halve the time from scam report to action by Q2.",
        ("Scams and fraud", "Account integrity"),
        "on_track",
        "",
    ),
    (
        "Vendor quality programme",
        "Bring vendor decision quality level with in-house agents.",
        (
            "Vendor tooling and training",
            "Content spam",
            "Platform manipulation",
            "Other",
            "API and developer review",
        ),
        "at_risk",
        "Calibration tooling slipped by two weeks.",
    ),
)


def _plan(
    session: Session,
    pm: User,
    ideas: list[Suggestion],
    settings: Settings,
    stakeholders: list[User],
    *,
    period_end: datetime,
) -> list[tuple[Initiative, list[StoryDraft]]]:
    """Two initiatives holding the accepted ideas of their areas, and story drafts for some
    (tracker.demo.delivery marks them ready and pushes them)."""
    accepted = [idea for idea in ideas if idea.status is Status.ACCEPTED]
    planned = []
    for name, goal, areas, health, note in INITIATIVES:
        initiative = initiatives.create_initiative(
            session,
            actor=pm,
            data=initiatives.InitiativeInput(
                name=name,
                goal=goal,
                owner_id=pm.id,
                target_date=(utcnow() + timedelta(days=120)).date(),
                stakeholder_ids=[person.id for person in stakeholders if person.id is not None],
            ),
        )
        assert initiative.id is not None
        if health != "on_track":
            initiatives.set_health(
                session, actor=pm, initiative_id=initiative.id, health=health, note=note
            )
        initiative.created_at = period_end - timedelta(days=50)
        members = [idea for idea in accepted if idea.area in areas]
        for idea in members:
            assert idea.id is not None
            initiatives.add_suggestion(
                session, actor=pm, initiative_id=initiative.id, suggestion_id=idea.id
            )
        drafts = []
        for idea in members[:4]:
            assert idea.id is not None
            drafts.append(
                stories.generate_draft(
                    session, actor=pm, suggestion_id=idea.id, settings=settings.stories
                )
            )
        planned.append((initiative, drafts))
    return planned
