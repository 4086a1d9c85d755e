"""A training run: the trainer, checkpoints and resume, several processes, interrupts, progress and
the run's files."""
