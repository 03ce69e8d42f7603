"""The one exception the tier raises: something it launches did not come up or go down."""

from __future__ import annotations


class TierError(RuntimeError):
    """The local database tier could not be started or stopped."""
