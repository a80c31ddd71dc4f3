"""French formatting for pages, mails and exports (Babel, fr_FR): amounts, numbers, dates, file sizes.

Plain functions, no Flask: templates get them as filters (budgetcitoyen.templating), charts and
CSV exports call them directly, so a figure reads the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent

from budgetcitoyen.clock import to_local

LOCALE = "fr_FR"


def euros(value: Decimal | int | float | None) -> str:
    """12 500,00 € style (narrow no-break spaces as in French typography); "—" for no value."""
    if value is None:
        return "—"
    return format_currency(value, "EUR", locale=LOCALE)


def whole_euros(value: Decimal | int | float) -> str:
    """12 500 € (no cents), for chart axes."""
    return format_currency(value, "EUR", locale=LOCALE, format="#,##0 ¤", currency_digits=False)


def number(value: Decimal | int | float) -> str:
    """1 204 or 12,5: thousands separated, decimal comma."""
    return format_decimal(value, locale=LOCALE)


def percent(value: Decimal | float, digits: int = 1) -> str:
    """12,3 % from 0.123; a half rounds up, as readers expect (65 of 400 is 16,3 %, where Babel's own
    rounding, half to even, writes 16,2 %)."""
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    rounded = exact.quantize(Decimal(1).scaleb(-(digits + 2)), rounding=ROUND_HALF_UP)
    pattern = "#,##0." + "0" * digits + " %" if digits else "#,##0 %"
    return format_percent(rounded, format=pattern, locale=LOCALE)


def long_date(value: date | datetime | None) -> str:
    """« 1er septembre 2026 », « 15 septembre 2026 », in Paris time for instants."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = to_local(value).date()
    text = format_date(value, format="long", locale=LOCALE)
    # French writes the first of a month as an ordinal (« le 1er septembre »); Babel's pattern has no
    # ordinal, so it gives « 1 septembre ».
    return "1er" + text[1:] if value.day == 1 and text.startswith("1 ") else text


def short_date(value: date | datetime | None) -> str:
    """« 01/09/2026 », in Paris time for instants; "" for no value."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return value.strftime("%d/%m/%Y")


def date_time(value: datetime | None) -> str:
    """« 23/11/2026 21:05 » in Paris time."""
    if value is None:
        return "—"
    return format_datetime(to_local(value), "dd/MM/yyyy HH:mm", locale=LOCALE)


def file_size(size: int) -> str:
    """« 842 octets », « 12,3 ko », « 4,5 Mo »: powers of 1000, as file managers and upload limits say."""
    if size < 1000:
        return f"{size} octet" + ("s" if size > 1 else "")
    for unit, scale in (("ko", 1000), ("Mo", 1000**2), ("Go", 1000**3)):
        if size < scale * 1000 or unit == "Go":
            return f"{format_decimal(size / scale, format='#,##0.0', locale=LOCALE)} {unit}"
    raise AssertionError("unreachable")


# Nouns take « l' » before a vowel (« l'Eurométropole »); an h is left alone (aspirated or not, a list
# would be needed, and no collectivité's body is named so).
_ELIDING = "aàâäeéèêëiîïoôöuùûüyAÀÂÄEÉÈÊËIÎÏOÔÖUÙÛÜY"


@dataclass(frozen=True)
class NounPhrase:
    """A noun with its gender, and the article and contractions French puts before it: « le Département »,
    « du Département », « au Département »; « la Région », « de la Région », « à la Région »;
    « l'Eurométropole », « de l'Eurométropole », « à l'Eurométropole »."""

    noun: str
    feminine: bool = False

    def __str__(self) -> str:
        return self.noun

    @property
    def _elided(self) -> bool:
        return self.noun[:1] in _ELIDING

    @property
    def le(self) -> str:
        return f"l'{self.noun}" if self._elided else f"{'la' if self.feminine else 'le'} {self.noun}"

    @property
    def Le(self) -> str:  # capitalised: at the start of a sentence
        return self.le[0].upper() + self.le[1:]

    @property
    def du(self) -> str:
        return f"de {self.le}" if self._elided or self.feminine else f"du {self.noun}"

    @property
    def au(self) -> str:
        return f"à {self.le}" if self._elided or self.feminine else f"au {self.noun}"


@dataclass(frozen=True)
class Naming:
    """How pages and mails name the collectivité's body (« le Département ») and its service that runs the
    Budget citoyen (« la direction de l'ESS »), and the adjective of its budget (« départemental »); from the
    collectivité's profile (budgetcitoyen.config.naming)."""

    body: NounPhrase
    service: NounPhrase
    adjective: str

    @property
    def le(self) -> str:
        return self.body.le

    @property
    def Le(self) -> str:
        return self.body.Le

    @property
    def du(self) -> str:
        return self.body.du

    @property
    def au(self) -> str:
        return self.body.au
