"""Durable state: SQLite with group commit."""

from testbed.store.sqlite import Store, StoreError

__all__ = ["Store", "StoreError"]
