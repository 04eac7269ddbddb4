"""KFTC Open Banking testbed: the API, a simulated bank network behind it, and a control plane."""

__version__ = "0.1.0"
