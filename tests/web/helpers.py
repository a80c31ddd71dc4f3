"""Moved to tests/helpers.py; kept so the tests that still import it from here keep working."""

from tests.helpers import CSRF_INPUT, csrf_token, login, post_form, text_of

__all__ = ["CSRF_INPUT", "csrf_token", "login", "post_form", "text_of"]
