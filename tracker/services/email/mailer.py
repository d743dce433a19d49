"""Sending email over SMTP (STARTTLS, TLS or plain), one connection per batch.

Digests and notifications build `OutgoingEmail`s; this module only talks SMTP. The password
comes from settings (`TRACKER_SMTP__PASSWORD` in production) and is never logged.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from types import TracebackType

from tracker.config import SmtpSettings


class MailError(Exception):
    """Sending failed; `message` is one sentence for the admin page. `permanent` is True when
    the server refused this recipient or message for good (5xx), False when a retry may work."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class InlineImage:
    cid: str  # referenced from the HTML as src="cid:<cid>"
    data: bytes
    subtype: str = "png"


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # A stable Message-ID lets the caller record it before sending.
    message_id: str | None = None
    images: tuple[InlineImage, ...] = ()


def build_message(email: OutgoingEmail, *, from_address: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = from_address
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = email.message_id or make_msgid(domain=_domain(from_address))
    for name, value in email.headers.items():
        message[name] = value
    message.set_content(email.text)
    if email.html is not None:
        message.add_alternative(email.html, subtype="html")
        html_part = message.get_body(preferencelist=("html",))
        assert isinstance(html_part, EmailMessage)
        for image in email.images:
            html_part.add_related(image.data, "image", image.subtype, cid=f"<{image.cid}>")
    return message


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip("> ") or "localhost"


class Mailer:
    """`with Mailer(settings) as mailer: mailer.send(email)`; one SMTP session for the block."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    @property
    def configured(self) -> bool:
        return bool(self.settings.host)

    def __enter__(self) -> Mailer:
        self._smtp = self._connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def send(self, email: OutgoingEmail) -> str:
        """Send one email; returns its Message-ID. Raises MailError."""
        if self._smtp is None:
            raise RuntimeError("use Mailer as a context manager")
        message = build_message(email, from_address=self.settings.from_address)
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()))[0]
            raise MailError(
                f"The mail server refused {email.to} ({code}).", permanent=code >= 500
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise MailError(
                f"The mail server answered {exc.smtp_code}: {_text(exc.smtp_error)}",
                permanent=exc.smtp_code >= 500,
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(f"Sending to the mail server failed: {exc}.") from None
        if refused:
            raise MailError(f"The mail server refused {email.to}.", permanent=True)
        return str(message["Message-ID"])

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if not s.host:
            raise MailError("No mail server is configured (smtp.host).", permanent=True)
        context = ssl.create_default_context()
        try:
            smtp: smtplib.SMTP
            if s.security == "tls":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=30, context=context)
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=30)
                if s.security == "starttls":
                    smtp.starttls(context=context)
            if s.username:
                smtp.login(s.username, s.password.get_secret_value())
        except smtplib.SMTPAuthenticationError:
            raise MailError(
                "The mail server refused the login (smtp.username / smtp.password)."
            ) from None
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise MailError(f"Cannot reach the mail server {s.host}:{s.port}: {exc}.") from None
        return smtp


def _text(raw: bytes | str) -> str:
    return raw.decode(errors="replace") if isinstance(raw, bytes) else raw
