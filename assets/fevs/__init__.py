"""FEVS: OPM's Federal Employee Viewpoint Survey public release data file (PRDF), one partition per survey year."""
