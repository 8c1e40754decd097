"""Partition definitions (they live beside the assets that use them; re-exported here)."""

from assets.partitions import FEVS_YEARS, WORKFORCE_MONTHS

__all__ = ["FEVS_YEARS", "WORKFORCE_MONTHS"]
