"""CX: OMB A-11 Section 280 customer feedback (both eras: performance.gov's dashboard files, then GSA"""
