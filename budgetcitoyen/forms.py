"""Base form: French messages for WTForms' built-in validators."""

from __future__ import annotations

from flask_wtf import FlaskForm


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
