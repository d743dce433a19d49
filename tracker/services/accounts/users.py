"""Users and organisations: creation, roles, deactivation and password changes."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence

from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from tracker.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tracker.models import Organisation, Role, SignInFailure, User
from tracker.services.accounts import passwords, sessions

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _parse_role(value: str | Role) -> Role:
    try:
        return Role(value)
    except ValueError:
        choices = ", ".join(role.value for role in Role)
        raise ValidationFailed(
            f"Unknown role '{value}'.", fields={"role": f"Choose one of: {choices}."}
        ) from None


def _check_organisation(session: Session, role: Role, organisation_id: int | None) -> None:
    if role is Role.VENDOR and organisation_id is None:
        raise ValidationFailed(
            "Vendor users belong to a vendor organisation.",
            fields={"organisation_id": "Choose the vendor organisation this person works for."},
        )
    if organisation_id is None:
        return
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise ValidationFailed(
            "Unknown organisation.", fields={"organisation_id": "This organisation does not exist."}
        )
    if role is Role.VENDOR and not organisation.is_vendor:
        raise ValidationFailed(
            "Vendor users belong to a vendor organisation.",
            fields={"organisation_id": f"{organisation.name} is not a vendor organisation."},
        )


def create_user(
    session: Session,
    *,
    actor: User | None,
    email: str,
    display_name: str,
    password: str,
    role: str | Role,
    organisation_id: int | None = None,
) -> User:
    """Create an account. Raises ValidationFailed (per field) or Conflict (email taken)."""
    fields: dict[str, str] = {}
    email = normalise_email(email)
    if not _EMAIL.match(email):
        fields["email"] = "Enter an email address such as name@example.com."
    if not display_name.strip():
        fields["display_name"] = "Enter the person's name."
    problem = passwords.password_problem(password)
    if problem:
        fields["password"] = problem
    parsed_role: Role | None = None
    try:
        parsed_role = _parse_role(role)
    except ValidationFailed as exc:
        fields.update(exc.fields)
    if fields:
        raise ValidationFailed("Some fields need attention.", fields=fields)
    assert parsed_role is not None
    _check_organisation(session, parsed_role, organisation_id)
    if session.exec(select(User.id).where(User.email == email)).first() is not None:
        raise Conflict(
            "An account with this email exists.", fields={"email": "This email is already in use."}
        )
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=passwords.hash_password(password),
        role=parsed_role,
        organisation_id=organisation_id,
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} does not exist.")
    return user


def find_user_by_email(session: Session, email: str) -> User:
    user = session.exec(select(User).where(User.email == normalise_email(email))).first()
    if user is None:
        raise NotFound(f"No user with email {normalise_email(email)}.")
    return user


def list_users(session: Session) -> Sequence[User]:
    return session.exec(select(User).order_by(col(User.email))).all()


def set_role(
    session: Session,
    *,
    actor: User | None,
    user: User,
    role: str | Role,
    organisation_id: int | None = None,
) -> User:
    parsed = _parse_role(role)
    if actor is not None and actor.id == user.id and parsed is not Role.ADMIN:
        raise PermissionDenied("You cannot remove your own administrator role.")
    if user.role is Role.ADMIN and parsed is not Role.ADMIN:
        _ensure_another_admin(session, user)
    _check_organisation(session, parsed, organisation_id)
    user.role = parsed
    user.organisation_id = organisation_id
    sessions.end_sessions(session, user=user)  # signed in again, with the new rights
    session.add(user)
    session.flush()
    return user


def set_active(session: Session, *, actor: User | None, user: User, active: bool) -> User:
    """Deactivation ends the user's sessions at once; either way their sign-in locks are lifted."""
    if not active:
        if actor is not None and actor.id == user.id:
            raise PermissionDenied("You cannot deactivate your own account.")
        if user.role is Role.ADMIN:
            _ensure_another_admin(session, user)
        sessions.end_sessions(session, user=user)
    user.is_active = active
    session.execute(delete(SignInFailure).where(col(SignInFailure.email) == user.email))
    session.add(user)
    session.flush()
    return user


def _ensure_another_admin(session: Session, user: User) -> None:
    others = session.exec(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN, col(User.is_active).is_(True), User.id != user.id)
    ).one()
    if others == 0:
        raise Conflict("This is the last active administrator; make someone else admin first.")


def change_password(
    session: Session, *, user: User, current: str, new: str, keep_token: str | None = None
) -> None:
    """Every session of the user ends but the one holding `keep_token` (the browser asking)."""
    if not passwords.verify_password(user.password_hash, current):
        raise ValidationFailed(
            "Current password is wrong.", fields={"current_password": "This is not your password."}
        )
    problem = passwords.password_problem(new)
    if problem:
        raise ValidationFailed("The new password is too weak.", fields={"new_password": problem})
    user.password_hash = passwords.hash_password(new)
    sessions.end_sessions(session, user=user, keep_token=keep_token)
    session.add(user)
    session.flush()


def set_password(session: Session, *, user: User, new: str) -> None:
    """A password an operator sets for `user` (`tracker users set-password`), no current one
    asked: the same rules as a change. Every session of theirs ends, as after a change, and
    their sign-in locks are lifted so they can use it at once."""
    problem = passwords.password_problem(new)
    if problem:
        raise ValidationFailed("The new password is too weak.", fields={"password": problem})
    user.password_hash = passwords.hash_password(new)
    sessions.end_sessions(session, user=user)
    session.execute(delete(SignInFailure).where(col(SignInFailure.email) == user.email))
    session.add(user)
    session.flush()


def ensure_admin(session: Session, *, email: str, password: str | None) -> tuple[User, str | None]:
    """The first admin: created if no active admin exists. Returns it and a generated password."""
    existing = session.exec(
        select(User)
        .where(User.role == Role.ADMIN, col(User.is_active).is_(True))
        .order_by(col(User.id))
    ).first()
    if existing is not None:
        return existing, None
    generated = None if password else secrets.token_urlsafe(15)
    user = create_user(
        session,
        actor=None,
        email=email,
        display_name="Administrator",
        password=password or generated or "",
        role=Role.ADMIN,
    )
    return user, generated


def create_organisation(session: Session, *, name: str, is_vendor: bool) -> Organisation:
    name = name.strip()
    if not name:
        raise ValidationFailed(
            "Name is required.", fields={"name": "Enter the organisation's name."}
        )
    if session.exec(select(Organisation.id).where(Organisation.name == name)).first() is not None:
        raise Conflict("That organisation exists.", fields={"name": f"'{name}' already exists."})
    organisation = Organisation(name=name, is_vendor=is_vendor)
    session.add(organisation)
    session.flush()
    return organisation


def list_organisations(session: Session) -> Sequence[Organisation]:
    return session.exec(select(Organisation).order_by(col(Organisation.name))).all()


def find_vendor_organisation(session: Session, name: str) -> Organisation:
    """The vendor organisation with exactly this name; NotFound when there is none."""
    organisation = session.exec(select(Organisation).where(Organisation.name == name)).first()
    if organisation is None or not organisation.is_vendor:
        raise NotFound(f"No vendor organisation named '{name}'.")
    return organisation
