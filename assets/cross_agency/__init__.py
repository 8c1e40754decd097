"""Cross-agency tables: computed from what the sources published (crosswalk, scorecard, linkage, factors,"""
