"""The checks of assets/cross_agency/ (GX suites run as Dagster asset checks)."""
