"""The append-only journal of administrative changes."""
