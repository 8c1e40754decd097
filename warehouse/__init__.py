"""DuckDB SQL, reference data, schema contracts and the publish/catalog mechanics.

This package imports nothing else of ours: assets call into it, never the other way round.
"""

__version__ = "0.1.0"
PIPELINE_VERSION = __version__
