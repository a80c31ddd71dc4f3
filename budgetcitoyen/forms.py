"""Base form: French messages for WTForms' built-in validators."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, ClassVar

from flask import abort, request
from flask_wtf import FlaskForm
from wtforms import DecimalField, FileField, MultipleFileField, SelectChoice
from wtforms.validators import StopValidation
from wtforms.widgets import TextInput


class BaseForm(FlaskForm):
    """Every form of the platform; CSRF comes from FlaskForm."""

    class Meta(FlaskForm.Meta):
        locales: ClassVar[list[str]] = ["fr_FR", "fr"]

        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            # A file sent where the form expects text is a forged request, never a person's: it is
            # refused here, once for every form, instead of crashing the field that reads it.
            wrapped = super().wrap_formdata(form, formdata)
            if wrapped is not None and request.files:
                file_fields = {f.name for f in form if isinstance(f, FileField | MultipleFileField)}
                if any(name not in file_fields for name in request.files):
                    abort(400)
            return wrapped

    def add_error(self, field_name: str | None, message: str) -> None:
        """Attach a domain error to its field (or to the form when it has no field)."""
        field = getattr(self, field_name, None) if field_name else None
        if field is not None and hasattr(field, "errors"):
            if not isinstance(field.errors, list):
                field.errors = list(field.errors)
            field.errors.append(message)
        else:
            self.form_errors.append(message)


def optional_int(value: object) -> int | None:
    """The `coerce` of a SelectField of ids: the id, or None for the empty choice or a tampered value."""
    try:
        return int(value) if value not in (None, "") else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def select_choices(pairs: Iterable[tuple[object, str]],
                   blank: str | None = "— Choisir —") -> list[SelectChoice]:
    """Choices for a SelectField from (value, label) pairs, with an optional empty first option."""
    options = [SelectChoice("", blank)] if blank is not None else []
    options.extend(SelectChoice(str(value), label) for value, label in pairs)
    return options


class AmountField(DecimalField):
    """A decimal amount; NaN, infinities and signalling NaN are refused with a French message
    (WTForms would otherwise pass them to its range check, which cannot compare them)."""

    widget = TextInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # A number input drops "1500,50" silently in browsers set to English: a text input
        # with the decimal keypad keeps what was typed, and the server reads French notation.
        render_kw = {"inputmode": "decimal", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(*args, render_kw=render_kw, **kwargs)

    def _value(self) -> str:
        # Shown back in French notation (1500,50), which process_formdata reads.
        return super()._value().replace(".", ",")

    def pre_validate(self, form: Any) -> None:
        typed = bool(self.raw_data and str(self.raw_data[0]).strip())
        if self.process_errors and typed:
            raise StopValidation()  # the parse error already says it all; no range message on top

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and isinstance(valuelist[0], str):
            valuelist = [valuelist[0].strip().replace("\u202f", "").replace(" ", "").replace(",", ".")]
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Indiquez un montant en chiffres, par exemple 1500 ou 1500,50.") from None
        if isinstance(self.data, Decimal) and not self.data.is_finite():
            self.data = None
            raise ValueError("Indiquez un montant en chiffres, par exemple 1500 ou 1500,50.")
