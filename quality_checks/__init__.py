"""Great Expectations suites and the Dagster asset checks that run them.

GX is imported lazily (inside run_suite) so loading the Dagster definitions stays fast, and its
analytics are switched off before the first import.
"""

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
