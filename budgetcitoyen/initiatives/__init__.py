"""Initiatives: ideas, comptoir sign-ups and dossiers, from idea to labelled-ready dossier."""
