"""Tests of the September vote."""
