"""Golden tests: the digest content of one seeded week, per audience, checked figure by figure.

The week is [Mon 16 Nov 2026 09:00, Mon 23 Nov 2026 09:00) UTC (Dublin is on GMT then). Ideas
are made through the services (submit, score, decide, merge, vote, initiatives); stories, Jira
links and status events are written as the push and the status sync leave them. Timestamps are
then set to fixed values, so every expected number below is worked out by hand from this table:

 id   author  area  created        decided            in Jira       delivered  notes
 s1   agent1  A     1 Oct          acc 11 Oct         21 Oct                   I1: D1 5pt, D2 3pt
 s2   agent2  B     1 Sep          acc 6 Sep          16 Sep        20 Nov     I1: D3 8pt; 10.0 h
 s3   acme    A     2 Aug          acc 1 Sep          15 Sep                   stalled since 1 Oct
 s4   agent1  A     16 Nov 09:00   new, score 2                                period start
 s5   acme    B     18 Nov 10:00   acc 19 Nov 19:36   20 Nov 10:00             I2: D5 3pt
 s6   bolt    A     18 Nov 12:00   dec 20 Nov 12:00                            agent1 voted
 s7   agent2  A     19 Nov 09:00   new, confidential, score 0.5
 s8   bolt    A     19 Nov 09:00   merged into s7 21 Nov 21:00                 agent1 voted
 s9   ops     C     20 Nov 09:00   new (its organisation is no longer a vendor)
 s10  acme    A     21 Nov 09:00   new, confidential
 s11  agent2  C     1 Nov          dec 10 Nov
 s12  bolt    B     1 Oct          acc 5 Oct          10 Oct        22 Nov     D6; 3.0 h
 s13  agent1  C     1 Aug          dec 20 Aug (before the 90-day lead-time window)
 s14  agent2  C     23 Nov 09:00   new                                         period end

A, B, C: Account integrity, Content spam, Scams and fraud. acme and bolt are vendor organisations.
I1 "Faster refunds" (at risk, epic OPS-1) is followed by the stakeholder, who also follows area A;
I2 is "Vendor tooling". Stories D1..D6 are OPS-11..OPS-16; D1, D3 and D6 are done.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event
from sqlmodel import Session, col, select

from tests.helpers.digests import digest_content_of
from tracker import db
from tracker.models import (
    AreaSubscription,
    Audience,
    JiraLink,
    Organisation,
    Role,
    Status,
    StatusChange,
    StatusEvent,
    StoryDraft,
    Suggestion,
    User,
)
from tracker.services.digests import content as digest_content
from tracker.services.stories import initiatives
from tracker.services.suggestions import decisions, engagement

BASE = "https://tracker.example.com"
JIRA = "https://jira.example.com/browse"
A, B, C = "Account integrity", "Content spam", "Scams and fraud"
START = datetime(2026, 11, 16, 9, tzinfo=UTC)
END = datetime(2026, 11, 23, 9, tzinfo=UTC)


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str) -> Flask:
    return make_app(database_url, base_url=BASE + "/", timezone="Europe/Dublin")


@dataclass
class World:
    ids: dict[str, int]  # s1..s14, i1, i2, and the people and organisations

    def __getitem__(self, name: str) -> int:
        return self.ids[name]


def key(row: Any) -> int:
    """The id of a stored row."""
    assert isinstance(row.id, int)
    return row.id


def _link(
    session: Session,
    story: StoryDraft,
    jira_key: str,
    pushed: datetime,
    state: str,
    since: datetime,
) -> JiraLink:
    """A pushed story's link as the push and the last status sync leave it."""
    link = JiraLink(
        story_id=story.id,
        label=f"it-{jira_key}",
        state="pushed",
        jira_key=jira_key,
        browse_url=f"{JIRA}/{jira_key}",
        pushed_at=pushed,
        delivery_state=state,
        status_name={"done": "Done", "in_progress": "In Progress"}[state],
        status_since=since,
    )
    session.add(link)
    session.flush()
    return link


def _story(
    session: Session, suggestion: Suggestion, summary: str, points: int | None
) -> StoryDraft:
    story = StoryDraft(
        suggestion_id=key(suggestion),
        initiative_id=suggestion.initiative_id,
        summary=summary,
        story_points=points,
        state="ready",
    )
    session.add(story)
    session.flush()
    return story


def _event(
    session: Session, link: JiraLink, moved: tuple[str, str, str, str], when: datetime
) -> None:
    from_status, to_status, from_state, to_state = moved
    story = session.get(StoryDraft, link.story_id) if link.story_id else None
    session.add(
        StatusEvent(
            link_id=key(link),
            story_id=link.story_id,
            initiative_id=story.initiative_id if story else link.initiative_id,
            suggestion_id=story.suggestion_id if story else None,
            jira_key=link.jira_key or "",
            from_status=from_status,
            to_status=to_status,
            from_state=from_state,
            to_state=to_state,
            history_id=f"h{when:%d%H%M}{link.id}",
            changed_at=when,
        )
    )


TODO_TO_PROGRESS = ("To Do", "In Progress", "todo", "in_progress")
PROGRESS_TO_DONE = ("In Progress", "Done", "in_progress", "done")


@pytest.fixture
def world(
    app: Flask,
    make_user: Callable[..., User],
    make_organisation: Callable[..., Organisation],
    make_suggestion: Callable[..., Suggestion],
) -> World:
    acme = make_organisation("Acme Moderation")
    bolt = make_organisation("Bolt Support")
    ops = make_organisation("Support Ops")
    pm = make_user(Role.PM, display_name="Pat PM")
    stake = make_user(Role.STAKEHOLDER, display_name="Stella Stakeholder")
    agent1 = make_user(Role.SUBMITTER, display_name="Ann Agent")
    agent2 = make_user(Role.SUBMITTER, display_name="Bob Agent")
    va = make_user(Role.VENDOR, organisation_id=acme.id, display_name="Vera Acme")
    vb = make_user(Role.VENDOR, organisation_id=bolt.id, display_name="Vic Bolt")
    vops = make_user(Role.VENDOR, organisation_id=ops.id, display_name="Otto Ops")

    def idea(author: User, title: str, area: str, **fields: Any) -> Suggestion:
        return make_suggestion(author, title=title, area=area, **fields)

    s = {
        "s1": idea(agent1, "Refund macro", A),
        "s2": idea(
            agent2,
            "Chargeback form",
            B,
            weekly_volume=400,
            automation_share=25,
            handle_time_minutes=6,
        ),
        "s3": idea(va, "Translation tool", A),
        "s4": idea(agent1, "Spam filter tweak", A),
        "s5": idea(va, "Scam report button", B),
        "s6": idea(vb, "Bulk close", A),
        "s7": idea(agent2, "Internal fraud signal", A, confidential=True),
        "s8": idea(vb, "Bulk close tickets", A),
        "s9": idea(vops, "Queue dashboard", C),
        "s10": idea(va, "Acme private idea", A, confidential=True),
        "s11": idea(agent2, "Old declined idea", C),
        "s12": idea(vb, "Auto-tagging", B, weekly_volume=120, minutes_saved_per_ticket=1.5),
        "s13": idea(agent1, "Ancient idea", C),
        "s14": idea(agent2, "Just too late", C),
    }
    ids = {name: key(suggestion) for name, suggestion in s.items()}
    with db.session_scope(app) as session:
        boss = session.get(User, pm.id)
        assert boss is not None

        def decide(
            name: str, to: Status, reason: str = "", value: int = 3, effort: int = 3
        ) -> None:
            decisions.score(
                session,
                actor=boss,
                suggestion_id=ids[name],
                framework="value_effort",
                inputs={"value": value, "effort": effort},
            )
            decisions.change_status(
                session, actor=boss, suggestion_id=ids[name], to=to, reason=reason
            )

        for name in ("s1", "s2", "s3", "s5", "s12"):
            decide(name, Status.ACCEPTED, value=5 if name == "s1" else 3)
        decisions.score(
            session,
            actor=boss,
            suggestion_id=ids["s4"],
            framework="value_effort",
            inputs={"value": 4, "effort": 2},
        )
        decisions.score(
            session,
            actor=boss,
            suggestion_id=ids["s7"],
            framework="value_effort",
            inputs={"value": 2, "effort": 4},
        )
        voter = session.get(User, agent1.id)
        assert voter is not None
        engagement.vote(session, actor=voter, suggestion_id=ids["s6"])
        engagement.vote(session, actor=voter, suggestion_id=ids["s8"])
        decide("s6", Status.DECLINED, reason="Already covered by queue routing")
        decide("s11", Status.DECLINED, reason="Out of scope")
        decide("s13", Status.DECLINED, reason="Too old")
        decisions.merge(session, actor=boss, duplicate_id=ids["s8"], target_id=ids["s7"])

        i1 = initiatives.create_initiative(
            session,
            actor=boss,
            data=initiatives.InitiativeInput(
                name="Faster refunds",
                goal="Refunds in one touch",
                owner_id=pm.id,
                target_date=date(2026, 12, 31),
                stakeholder_ids=[key(stake)],
            ),
        )
        i2 = initiatives.create_initiative(
            session,
            actor=boss,
            data=initiatives.InitiativeInput(
                name="Vendor tooling", goal="", owner_id=pm.id, target_date=None
            ),
        )
        initiatives.set_health(
            session, actor=boss, initiative_id=key(i1), health="at_risk", note="Refund API late"
        )
        for name, initiative in (("s1", i1), ("s2", i1), ("s5", i2)):
            initiatives.add_suggestion(
                session, actor=boss, initiative_id=key(initiative), suggestion_id=ids[name]
            )
        session.add(AreaSubscription(user_id=key(stake), area=A))
        # Support Ops turned out to be an internal team: its ideas count as the agents' own.
        internal = session.get(Organisation, ops.id)
        assert internal is not None
        internal.is_vendor = False
        session.add(internal)

        def row(name: str) -> Suggestion:
            found = session.get(Suggestion, ids[name])
            assert found is not None
            return found

        d1 = _story(session, row("s1"), "Refund macro in the agent tool", 5)
        d2 = _story(session, row("s1"), "Refund macro reporting", 3)
        d3 = _story(session, row("s2"), "Chargeback form", 8)
        d4 = _story(session, row("s3"), "Translation tool", None)
        d5 = _story(session, row("s5"), "Scam report button", 3)
        d6 = _story(session, row("s12"), "Auto-tagging", 2)
        l1, l2, l3, l4, l5, l6 = (
            _link(session, story, jira_key, pushed, state, since)
            for story, jira_key, pushed, state, since in (
                (d1, "OPS-11", at(10, 21), "done", at(11, 18, 10)),
                (d2, "OPS-12", at(10, 21, 9, 30), "in_progress", at(11, 17, 10)),
                (d3, "OPS-13", at(9, 16), "done", at(11, 20)),
                (d4, "OPS-14", at(9, 15), "in_progress", at(10, 1)),
                (d5, "OPS-15", at(11, 20, 10), "in_progress", at(11, 21, 10)),
                (d6, "OPS-16", at(10, 10), "done", at(11, 22)),
            )
        )
        epic = JiraLink(
            initiative_id=i1.id,
            label="it-epic-1",
            state="pushed",
            jira_key="OPS-1",
            browse_url=f"{JIRA}/OPS-1",
            pushed_at=at(10, 21),
            delivery_state="in_progress",
            status_name="In Progress",
            status_since=at(11, 17, 11),
        )
        session.add(epic)
        session.flush()
        for name in ("s1", "s2", "s3", "s5", "s12"):
            decisions.mark_in_delivery(session, suggestion=row(name), reason="Pushed to Jira")
        for name, when in (("s2", at(11, 20)), ("s12", at(11, 22))):
            delivered = row(name)
            session.add(
                StatusChange(
                    suggestion_id=key(delivered),
                    from_status=Status.IN_DELIVERY.value,
                    to_status=Status.DELIVERED.value,
                    reason="All stories done",
                )
            )
            delivered.status = Status.DELIVERED
            delivered.delivered_at = when
            session.add(delivered)

        _event(session, l4, TODO_TO_PROGRESS, at(10, 1))  # before the period
        _event(session, l2, TODO_TO_PROGRESS, at(11, 17, 10))
        _event(session, l1, PROGRESS_TO_DONE, at(11, 18, 10))
        _event(session, l3, PROGRESS_TO_DONE, at(11, 20))
        _event(session, epic, TODO_TO_PROGRESS, at(11, 17, 11))
        _event(session, l5, TODO_TO_PROGRESS, at(11, 21, 10))
        _event(session, l6, PROGRESS_TO_DONE, at(11, 22))

        # The fixed timeline: created, decided, in Jira, and when each history entry happened.
        timeline = {
            "s1": (at(10, 1), at(10, 11), at(10, 21)),
            "s2": (at(9, 1), at(9, 6), at(9, 16)),
            "s3": (at(8, 2), at(9, 1), at(9, 15)),
            "s4": (at(11, 16), None, None),
            "s5": (at(11, 18, 10), at(11, 19, 19, 36), at(11, 20, 10)),
            "s6": (at(11, 18, 12), at(11, 20, 12), None),
            "s7": (at(11, 19), None, None),
            "s8": (at(11, 19), at(11, 21, 21), None),
            "s9": (at(11, 20), None, None),
            "s10": (at(11, 21), None, None),
            "s11": (at(11, 1), at(11, 10), None),
            "s12": (at(10, 1), at(10, 5), at(10, 10)),
            "s13": (at(8, 1), at(8, 20), None),
            "s14": (END, None, None),
        }
        for name, (created, decided, in_jira) in timeline.items():
            suggestion = row(name)
            suggestion.created_at, suggestion.decided_at = created, decided
            suggestion.in_jira_at = in_jira
            session.add(suggestion)
            for change in session.exec(
                select(StatusChange).where(StatusChange.suggestion_id == suggestion.id)
            ).all():
                change.created_at = {
                    Status.NEW.value: created,
                    Status.IN_DELIVERY.value: in_jira,
                    Status.DELIVERED.value: suggestion.delivered_at,
                }.get(change.to_status, decided) or created
                session.add(change)
        ids.update(i1=key(i1), i2=key(i2))
    people = {"acme": acme, "bolt": bolt, "ops": ops, "pm": pm, "stake": stake}
    people.update(agent1=agent1, agent2=agent2, va=va, vb=vb)
    ids.update({name: key(row) for name, row in people.items()})
    return World(ids)


build = partial(digest_content_of, start=START, end=END)


def ids_of(world: World, items: list[dict[str, Any]], key: str | None = "suggestion") -> list[str]:
    """The scenario names of the suggestions the items point at (or are, when `key` is None),
    in order."""
    names = {
        value: name
        for name, value in world.ids.items()
        if name.startswith("s") and name[1:].isdigit()
    }
    return [names[(item[key] if key else item)["id"]] for item in items]


def ref(
    world: World, name: str, title: str, area: str, status: str, jira: str | None = None
) -> dict[str, Any]:
    number = world[name]
    return {
        "id": number,
        "title": title,
        "url": f"{BASE}/suggestions/{number}",
        "area": area,
        "status": status,
        "status_label": Status(status).label,
        "jira_key": jira,
        "jira_url": f"{JIRA}/{jira}" if jira else None,
    }


def stat(count: int, median: float | None, p90: float | None) -> dict[str, Any]:
    return {"count": count, "median_days": median, "p90_days": p90}


# --- the PM digest: everything ------------------------------------------------------------------


def test_pm_digest_covers_the_whole_portfolio(app: Flask, world: World) -> None:
    content = build(app, Audience.PM, "all")

    assert json.loads(json.dumps(content)) == content
    assert content["version"] == 1
    assert content["subject_name"] == "All PMs"
    assert content["title"] == "Status digest: 16 Nov - 23 Nov 2026"
    assert content["timezone"] == "Europe/Dublin"
    assert content["period"] == {
        "start": "2026-11-16T09:00:00+00:00",
        "end": "2026-11-23T09:00:00+00:00",
    }
    assert content["summary"] == {
        "new": 7,
        "accepted": 1,
        "declined": 1,
        "merged": 1,
        "pushed": 1,
        "status_changes": 6,
        "delivered": 2,
        "hours_saved_per_week": 13.0,
        "stalled": 1,
    }
    new = content["new_suggestions"]
    assert new["total"] == 7
    assert new["by_area"] == [
        {"area": A, "count": 5},
        {"area": B, "count": 1},
        {"area": C, "count": 1},
    ]
    # The vendor-role person of a non-vendor organisation counts with the agents.
    assert new["by_source"] == [
        {"source": "Agents", "count": 3},
        {"source": "Acme Moderation", "count": 2},
        {"source": "Bolt Support", "count": 2},
    ]
    # Newest first; s14 (created at the period's end) belongs to the next digest.
    assert ids_of(world, new["items"], key=None) == ["s10", "s9", "s8", "s7", "s6", "s5", "s4"]

    assert [(d["decision"], d["reason"], d["at"]) for d in content["decisions"]] == [
        ("merged", f"Duplicate of #{world['s7']}", "2026-11-21T21:00:00+00:00"),
        ("declined", "Already covered by queue routing", "2026-11-20T12:00:00+00:00"),
        ("accepted", "", "2026-11-19T19:36:00+00:00"),
    ]
    assert ids_of(world, content["decisions"]) == ["s8", "s6", "s5"]
    merged = content["decisions"][0]
    assert merged["merged_into"] == ref(world, "s7", "Internal fraud signal", A, "new")
    assert content["decisions_more"] == 0

    assert content["pushed"] == [
        {
            "suggestion": ref(world, "s5", "Scam report button", B, "in_delivery", "OPS-15"),
            "summary": "Scam report button",
            "jira_key": "OPS-15",
            "jira_url": f"{JIRA}/OPS-15",
            "at": "2026-11-20T10:00:00+00:00",
        }
    ]
    changes = content["status_changes"]
    assert [(c["jira_key"], c["to_status"], c["at"][:16]) for c in changes] == [
        ("OPS-16", "Done", "2026-11-22T09:00"),
        ("OPS-15", "In Progress", "2026-11-21T10:00"),
        ("OPS-13", "Done", "2026-11-20T09:00"),
        ("OPS-11", "Done", "2026-11-18T10:00"),
        ("OPS-1", "In Progress", "2026-11-17T11:00"),
        ("OPS-12", "In Progress", "2026-11-17T10:00"),
    ]
    epic_change = changes[4]
    assert epic_change["suggestion"] is None
    assert epic_change["summary"] == "Faster refunds"
    assert epic_change["initiative"] == {
        "id": world["i1"],
        "name": "Faster refunds",
        "url": f"{BASE}/initiatives/{world['i1']}",
    }
    assert changes[3]["suggestion"] == ref(world, "s1", "Refund macro", A, "in_delivery", "OPS-11")
    assert changes[3]["summary"] == "Refund macro in the agent tool"
    assert (changes[3]["from_status"], changes[3]["to_state"]) == ("In Progress", "done")
    assert changes[3]["jira_url"] == f"{JIRA}/OPS-11"

    assert [
        (ids, item["hours_saved_per_week"], item["at"][:10])
        for ids, item in zip(ids_of(world, content["delivered"]), content["delivered"], strict=True)
    ] == [("s12", 3.0, "2026-11-22"), ("s2", 10.0, "2026-11-20")]

    assert content["stalled"] == [
        {
            "suggestion": ref(world, "s3", "Translation tool", A, "in_delivery", "OPS-14"),
            "jira_key": "OPS-14",
            "jira_url": f"{JIRA}/OPS-14",
            "status": "In Progress",
            "since": "2026-10-01T09:00:00+00:00",
            "days": 53,
        }
    ]

    faster, tooling = content["initiatives"]
    assert faster == {
        "id": world["i1"],
        "name": "Faster refunds",
        "url": f"{BASE}/initiatives/{world['i1']}",
        "jira_key": "OPS-1",
        "jira_url": f"{JIRA}/OPS-1",
        "health": "at_risk",
        "health_label": "At risk",
        "health_note": "Refund API late",
        "target_date": "2026-12-31",
        "stories_done": 2,
        "stories_total": 3,
        "points_done": 13,
        "points_total": 16,
        "percent": 81,
        "stuck": 0,
        "detail": True,
    }
    assert (tooling["name"], tooling["stories_total"], tooling["points_done"]) == (
        "Vendor tooling",
        1,
        0,
    )
    assert (tooling["percent"], tooling["jira_key"], tooling["health_label"]) == (
        0,
        None,
        "On track",
    )

    # Scored first (s4 2.0, s7 0.5), then unscored newest first; nothing in delivery or closed.
    assert ids_of(world, content["backlog_top"]) == ["s4", "s7", "s14", "s10", "s9"]
    first = content["backlog_top"][0]
    assert (first["rank"], first["score"], first["formula"]) == (
        1,
        2.0,
        "Value / effort = 4 / 2 = 2",
    )

    assert content["lead_times"] == {
        # 1.4 2 2.5 4 5 9 10 30 (s13 was decided before the 90-day window)
        "submitted_to_decided": stat(8, 4.5, 16.0),
        # 0.6 5 10 10 14
        "decided_to_in_jira": stat(5, 10.0, 12.4),
        # 43 65
        "in_jira_to_done": stat(2, 54.0, 62.8),
        # 52 80
        "submitted_to_done": stat(2, 66.0, 77.2),
    }
    assert content["lead_time_window_days"] == 90


# --- a stakeholder: the area and the initiative they follow, what they may see -----------------


def test_stakeholder_digest_follows_their_area_and_initiative(app: Flask, world: World) -> None:
    content = build(app, Audience.STAKEHOLDER, f"user:{world['stake']}")

    assert content["subject_name"] == "Stella Stakeholder"
    assert content["summary"] == {
        "new": 3,
        "accepted": 0,
        "declined": 1,
        "merged": 1,
        "pushed": 0,
        "status_changes": 4,
        "delivered": 1,
        "hours_saved_per_week": 10.0,
        "stalled": 1,
    }
    new = content["new_suggestions"]
    assert new["by_area"] == [{"area": A, "count": 3}]
    assert new["by_source"] == [
        {"source": "Bolt Support", "count": 2},
        {"source": "Agents", "count": 1},
    ]
    # Not the confidential s7 and s10, not s5 and s9 (areas and initiatives not followed).
    assert ids_of(world, new["items"], key=None) == ["s8", "s6", "s4"]
    merged, declined = content["decisions"]
    # s8 was merged into the confidential s7: neither its link nor the reason naming it.
    assert (merged["decision"], merged["merged_into"], merged["reason"]) == ("merged", None, "")
    assert (declined["decision"], declined["reason"]) == (
        "declined",
        "Already covered by queue routing",
    )
    # s2 is outside the followed area but inside the followed initiative; the epic counts too.
    assert [c["jira_key"] for c in content["status_changes"]] == [
        "OPS-13",
        "OPS-11",
        "OPS-1",
        "OPS-12",
    ]
    assert ids_of(world, content["delivered"]) == ["s2"]
    assert ids_of(world, content["stalled"]) == ["s3"]
    assert [i["name"] for i in content["initiatives"]] == ["Faster refunds"]
    assert content["initiatives"][0]["percent"] == 81
    assert ids_of(world, content["backlog_top"]) == ["s4"]
    assert content["lead_times"] == {
        "submitted_to_decided": stat(5, 5.0, 22.0),  # 2 2.5 5 10 30
        "decided_to_in_jira": stat(3, 10.0, 13.2),  # 10 10 14
        "in_jira_to_done": stat(1, 65.0, 65.0),
        "submitted_to_done": stat(1, 80.0, 80.0),
    }
    assert_hidden(world, content, "s7", "s10")


# --- vendors: their organisation's own ideas, nothing else --------------------------------------


def test_vendor_digest_shows_only_the_organisations_shared_ideas(app: Flask, world: World) -> None:
    content = build(app, Audience.VENDOR, f"org:{world['acme']}")

    assert content["subject_name"] == "Acme Moderation"
    assert content["summary"] == {
        "new": 1,
        "accepted": 1,
        "declined": 0,
        "merged": 0,
        "pushed": 1,
        "status_changes": 1,
        "delivered": 0,
        "hours_saved_per_week": 0.0,
        "stalled": 1,
    }
    new = content["new_suggestions"]
    assert (new["by_area"], new["by_source"]) == (
        [{"area": B, "count": 1}],
        [{"source": "Acme Moderation", "count": 1}],
    )
    assert ids_of(world, new["items"], key=None) == ["s5"]
    assert ids_of(world, content["decisions"]) == ["s5"]
    assert ids_of(world, content["pushed"]) == ["s5"]
    (change,) = content["status_changes"]
    assert change["jira_url"] == f"{JIRA}/OPS-15"
    # Vendors cannot open initiatives: the name, never a link or figures.
    assert change["initiative"] == {"id": world["i2"], "name": "Vendor tooling", "url": None}
    assert content["initiatives"] == [
        {
            "id": world["i2"],
            "name": "Vendor tooling",
            "url": None,
            "jira_key": None,
            "jira_url": None,
            "health": None,
            "health_label": None,
            "health_note": None,
            "target_date": None,
            "stories_done": None,
            "stories_total": None,
            "points_done": None,
            "points_total": None,
            "percent": None,
            "stuck": None,
            "detail": False,
        }
    ]
    assert ids_of(world, content["stalled"]) == ["s3"]
    assert content["delivered"] == []
    # Its own confidential s10 is not for the whole organisation.
    assert content["backlog_top"] == []
    assert content["lead_times"] == {
        "submitted_to_decided": stat(2, 15.7, 27.1),  # 1.4 30
        "decided_to_in_jira": stat(2, 7.3, 12.7),  # 0.6 14
        "in_jira_to_done": stat(0, None, None),
        "submitted_to_done": stat(0, None, None),
    }
    assert_hidden(world, content, "s6", "s7", "s8", "s10", "s12", "s1", "s2", "s4", "s9")


def test_other_vendor_sees_its_merge_without_the_hidden_target(app: Flask, world: World) -> None:
    content = build(app, Audience.VENDOR, f"org:{world['bolt']}")

    assert content["summary"]["new"] == 2
    assert content["new_suggestions"]["by_source"] == [{"source": "Bolt Support", "count": 2}]
    assert [(d["decision"], d["merged_into"], d["reason"]) for d in content["decisions"]] == [
        ("merged", None, ""),
        ("declined", None, "Already covered by queue routing"),
    ]
    assert [c["jira_key"] for c in content["status_changes"]] == ["OPS-16"]
    assert [
        (item["hours_saved_per_week"], item["suggestion"]["jira_url"])
        for item in content["delivered"]
    ] == [(3.0, f"{JIRA}/OPS-16")]
    assert content["summary"]["hours_saved_per_week"] == 3.0
    assert content["initiatives"] == []
    assert content["lead_times"]["submitted_to_decided"] == stat(3, 2.5, 3.7)  # 2 2.5 4
    assert content["lead_times"]["in_jira_to_done"] == stat(1, 43.0, 43.0)
    assert_hidden(world, content, "s3", "s5", "s7", "s10")


# --- a submitter: their ideas and those they voted on -------------------------------------------


def test_submitter_digest_covers_own_and_voted_ideas(app: Flask, world: World) -> None:
    content = build(app, Audience.SUBMITTER, f"user:{world['agent1']}")

    assert content["subject_name"] == "Ann Agent"
    summary = content["summary"]
    assert (summary["new"], summary["declined"], summary["merged"], summary["status_changes"]) == (
        3,
        1,
        1,
        2,
    )
    assert ids_of(world, content["new_suggestions"]["items"], key=None) == ["s8", "s6", "s4"]
    assert [(d["decision"], d["merged_into"]) for d in content["decisions"]] == [
        ("merged", None),
        ("declined", None),
    ]
    # Their own s1's stories; no epic changes for submitters.
    changes = content["status_changes"]
    assert [c["jira_key"] for c in changes] == ["OPS-11", "OPS-12"]
    assert changes[0]["initiative"]["url"] == f"{BASE}/initiatives/{world['i1']}"
    assert [(i["name"], i["detail"]) for i in content["initiatives"]] == [("Faster refunds", True)]
    assert ids_of(world, content["backlog_top"]) == ["s4"]
    assert content["lead_times"]["submitted_to_decided"] == stat(3, 2.5, 8.5)  # 2 2.5 10
    assert content["lead_times"]["decided_to_in_jira"] == stat(1, 10.0, 10.0)
    assert_hidden(world, content, "s7", "s10", "s2", "s3", "s5")


def assert_hidden(world: World, content: dict[str, Any], *names: str) -> None:
    """None of these suggestions is linked anywhere in the content."""
    text = json.dumps(content)
    for name in names:
        assert f'/suggestions/{world[name]}"' not in text, name


# --- size: a constant number of queries ---------------------------------------------------------


def count_queries(app: Flask, audience: Audience, subject_key: str) -> tuple[int, dict[str, Any]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    engine = db.engine(app)
    event.listen(engine, "before_cursor_execute", record)
    try:
        content = build(app, audience, subject_key)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements), content


def test_query_count_does_not_grow_with_the_data(
    app: Flask, world: World, make_suggestion: Callable[..., Suggestion]
) -> None:
    before = {
        audience: count_queries(app, audience, key)[0]
        for audience, key in (
            (Audience.PM, "all"),
            (Audience.STAKEHOLDER, f"user:{world['stake']}"),
            (Audience.VENDOR, f"org:{world['acme']}"),
        )
    }
    with db.session_scope(app) as session:
        author = session.get(User, world["agent1"])
    assert author is not None
    for number in range(60):
        make_suggestion(author, title=f"More idea {number}", area=A)
    with db.session_scope(app) as session:
        for suggestion in session.exec(
            select(Suggestion).where(col(Suggestion.title).startswith("More idea"))
        ).all():
            suggestion.created_at = at(11, 22)
            session.add(suggestion)
    after = {
        audience: count_queries(app, audience, key)
        for audience, key in (
            (Audience.PM, "all"),
            (Audience.STAKEHOLDER, f"user:{world['stake']}"),
            (Audience.VENDOR, f"org:{world['acme']}"),
        )
    }
    assert {audience: found[0] for audience, found in after.items()} == before
    assert before[Audience.PM] <= 20
    pm_content = after[Audience.PM][1]
    assert pm_content["new_suggestions"]["total"] == 67
    assert len(pm_content["new_suggestions"]["items"]) == 20


# --- small rules --------------------------------------------------------------------------------


def test_title_uses_the_local_dates_and_both_years_across_new_year() -> None:
    start = datetime(2026, 12, 28, 9, tzinfo=UTC)
    end = datetime(2027, 1, 4, 9, tzinfo=UTC)
    assert digest_content.title(start, end, "UTC") == "Status digest: 28 Dec 2026 - 4 Jan 2027"
    # 23:30 UTC on Sunday is already Monday in Auckland.
    late = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    assert (
        digest_content.title(datetime(2026, 11, 15, 23, 30, tzinfo=UTC), late, "Pacific/Auckland")
        == "Status digest: 16 Nov - 23 Nov 2026"
    )


def test_unknown_subjects_are_refused(app: Flask) -> None:
    from tracker.errors import NotFound

    with pytest.raises(NotFound):
        build(app, Audience.VENDOR, "org:999")
    with pytest.raises(ValueError, match="user:<id>"):
        build(app, Audience.STAKEHOLDER, "org:1")
