"""Tests of the public site: the catalogue and its open data."""
