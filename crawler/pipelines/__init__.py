"""Item pipelines: extraction (in a pool of worker processes), images kept, the archive
written in batches (group commit)."""
