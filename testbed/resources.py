"""Where the data files the server needs live, in a checkout and in an installed wheel.

People edit `banks.yaml`, `networks/`, `templates/` and `scenarios/` at the top of the
repository; the wheel carries copies under `testbed/_data/` (see pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_path(name: str) -> Path:
    """The shipped copy when installed from a wheel, else the checkout's own file."""
    shipped = _PACKAGE / "_data" / name
    if shipped.exists():
        return shipped
    return _PACKAGE.parent / name


def default_network_path() -> Path:
    return data_path("banks.yaml")


def network_path(name_or_path: str) -> Path:
    """`--banks` takes a file path, or the name of a shipped network (`kftc`, `zengin`)."""
    if name_or_path == "kftc":
        return default_network_path()
    shipped = data_path("networks") / f"{name_or_path}.yaml"
    if (
        "/" not in name_or_path
        and not name_or_path.endswith((".yaml", ".yml"))
        and shipped.exists()
    ):
        return shipped
    return Path(name_or_path)


def templates_path() -> Path:
    return data_path("templates")


def static_path() -> Path:
    return data_path("static")
