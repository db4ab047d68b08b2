"""One module per rating scale; each defines a single ``INSTRUMENT`` value and nothing else."""
