"""WTForms classes for the HTML views; services still validate, these only shape input."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from tracker.errors import DomainError
from tracker.models import Role

ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in Role]


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField("New password", validators=[DataRequired(), Length(max=1024)])


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired(), Length(max=80)])


class UserCreateForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    display_name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.SUBMITTER.value)
    organisation_id = SelectField("Organisation", coerce=str, validators=[Optional()])
    password = PasswordField("Initial password", validators=[DataRequired(), Length(max=1024)])


class UserEditForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
    organisation_id = SelectField("Organisation", coerce=str, validators=[Optional()])
    is_active = BooleanField("Active")


class OrganisationForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    is_vendor = BooleanField("Vendor organisation", default=True)


def apply_errors(form: FlaskForm, error: DomainError) -> None:
    """Show a service's per-field messages beside the form's fields."""
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]
