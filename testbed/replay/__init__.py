"""Replaying scenarios: the runner drives a fresh app through HTTP, the reports tell people.

Above `testbed.web` (the runner serves the app it drives), below the command line; what
a scenario *is* (format, checks, fixtures, timeline) stays in `testbed.scenario`.
"""
