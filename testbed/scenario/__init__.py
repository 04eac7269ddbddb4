"""YAML scenarios: the format and its checks, fixtures and timeline, loading into a live world.

No HTTP here: replaying a scenario through the app is `testbed.replay`.
"""
