"""Base form: French messages for WTForms' built-in validators."""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import SelectChoice


class BaseForm(FlaskForm):
    """Every form of the platform; CSRF comes from FlaskForm."""

    class Meta:
        locales = ["fr_FR", "fr"]

    def add_error(self, field_name: str | None, message: str) -> None:
        """Attach a domain error to its field (or to the form when it has no field)."""
        field = getattr(self, field_name, None) if field_name else None
        if field is not None and hasattr(field, "errors"):
            if not isinstance(field.errors, list):
                field.errors = list(field.errors)
            field.errors.append(message)
        else:
            self.form_errors.append(message)


def select_choices(pairs: Iterable[tuple[object, str]], blank: str | None = "— Choisir —") -> list[SelectChoice]:
    """Choices for a SelectField from (value, label) pairs, with an optional empty first option."""
    options = [SelectChoice("", blank)] if blank is not None else []
    options.extend(SelectChoice(str(value), label) for value, label in pairs)
    return options
