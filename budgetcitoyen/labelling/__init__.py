"""The labelling committee: questionnaire, assignment, conflicts of interest, scoring, radar, decision."""
