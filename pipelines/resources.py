"""Resources shared by every asset."""

from __future__ import annotations

import os

from dagster import ConfigurableResource
from pydantic import field_validator

from warehouse.layout import DEFAULT_DATA_DIR, DataLayout, suppression_threshold


class CxexResource(ConfigurableResource):
    """Where the data directory is and how strict publication is.

    Defaults come from the environment when the definitions load: CXEX_DATA_DIR (./data) and
    CXEX_MIN_RESPONDENTS (10, never lower). Tests pass their own temporary data_dir.
    """

    data_dir: str = DEFAULT_DATA_DIR
    min_respondents: int = 10

    @field_validator("min_respondents")
    @classmethod
    def _at_least_floor(cls, v: int) -> int:
        return suppression_threshold(v)

    @property
    def layout(self) -> DataLayout:
        from pathlib import Path

        return DataLayout(Path(self.data_dir).resolve())

    @classmethod
    def from_env(cls) -> "CxexResource":
        return cls(data_dir=os.environ.get("CXEX_DATA_DIR", DEFAULT_DATA_DIR),
                   min_respondents=suppression_threshold())
