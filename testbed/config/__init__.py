"""Configuration: the bank network file (banks.yaml) and the tools to read it.

Plain data classes only; nothing here knows about SimPy or HTTP.
"""

from __future__ import annotations

from .banks_file import (
    DISTRIBUTIONS,
    KINDS,
    RESPONSE_CODE_KEYS,
    Alias,
    Centre,
    Institution,
    Latency,
    NetworkConfig,
    ResponseCode,
    RetiredCode,
    Scheme,
    Window,
    load_network,
    parse_network,
)
from .resolver import BankCodeError, BankCodeResolver
from .units import format_duration, format_time_of_day, parse_duration, parse_time_of_day
from .yamlsrc import SourceDoc, SourceError, load_yaml, parse_yaml

__all__ = [
    "DISTRIBUTIONS",
    "KINDS",
    "RESPONSE_CODE_KEYS",
    "Alias",
    "BankCodeError",
    "BankCodeResolver",
    "Centre",
    "Institution",
    "Latency",
    "NetworkConfig",
    "ResponseCode",
    "RetiredCode",
    "Scheme",
    "SourceDoc",
    "SourceError",
    "Window",
    "format_duration",
    "format_time_of_day",
    "load_network",
    "load_yaml",
    "parse_duration",
    "parse_network",
    "parse_time_of_day",
    "parse_yaml",
]
