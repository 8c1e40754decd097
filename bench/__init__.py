"""`make bench`: national-scale synthetic inputs, timed stage by stage and end to end."""
