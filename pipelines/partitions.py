"""Partition definitions (they live beside the assets that use them; re-exported here)."""

from assets.partitions import A11_QUARTERS, CSS_YEARS, FEVS_YEARS, WORKFORCE_MONTHS

__all__ = ["A11_QUARTERS", "CSS_YEARS", "FEVS_YEARS", "WORKFORCE_MONTHS"]
