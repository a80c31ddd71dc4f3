"""Structures across editions, their opt-in public profile (the ambassadors' directory) and the collective."""
