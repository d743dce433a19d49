"""The SMTP sender against a real SMTP server on loopback."""

from __future__ import annotations

import re

import pytest

from tests.mail import SmtpServer
from tracker.config import SmtpSettings
from tracker.services.email.mailer import InlineImage, Mailer, MailError, OutgoingEmail


def settings(server: SmtpServer, **overrides: object) -> SmtpSettings:
    return SmtpSettings.model_validate(server.config(**overrides))


def test_sends_text_and_html_with_an_inline_image(smtp_server: SmtpServer) -> None:
    email = OutgoingEmail(
        to="ana@ops.example",
        subject="Weekly status",
        text="Plain body",
        html='<p>HTML body <img src="cid:chart1" alt="chart"></p>',
        headers={"List-Unsubscribe": "<https://tracker.example/u/abc>"},
        message_id="<digest-1@ops.example>",
        images=(InlineImage("chart1", b"\x89PNG fake"),),
    )
    with Mailer(settings(smtp_server)) as mailer:
        assert mailer.send(email) == "<digest-1@ops.example>"

    [received] = smtp_server.messages
    assert received.recipients == ["ana@ops.example"]
    assert received.envelope_from == "tracker@ops.example"
    assert received.subject == "Weekly status"
    assert received.part("plain").strip() == "Plain body"
    assert "HTML body" in received.part("html")
    assert received.message["List-Unsubscribe"] == "<https://tracker.example/u/abc>"
    images = [p for p in received.message.walk() if p.get_content_maintype() == "image"]
    assert [p["Content-ID"] for p in images] == ["<chart1>"]


def test_a_temporary_refusal_is_a_retryable_error(smtp_server: SmtpServer) -> None:
    smtp_server.refuse_next(1)
    email = OutgoingEmail(to="ana@ops.example", subject="s", text="t")
    with Mailer(settings(smtp_server)) as mailer:
        with pytest.raises(MailError) as failure:
            mailer.send(email)
        assert not failure.value.permanent
        assert "451" in failure.value.message
        mailer.send(email)
    assert len(smtp_server.messages) == 1


def test_an_unreachable_server_names_host_and_port(smtp_server: SmtpServer) -> None:
    smtp_server.stop()
    with pytest.raises(MailError, match=re.escape(f"127.0.0.1:{smtp_server.port}")):
        Mailer(settings(smtp_server)).__enter__()
    smtp_server.start()


def test_no_host_configured_is_a_clear_permanent_error() -> None:
    with pytest.raises(MailError, match=r"smtp\.host") as failure:
        Mailer(SmtpSettings()).__enter__()
    assert failure.value.permanent
