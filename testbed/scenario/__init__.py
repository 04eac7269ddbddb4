"""YAML scenarios: the format, the checks, the runner and its reports."""
