"""The project's files and clips: new, open, save, autosave, relinking clips that moved, importing
clips and fitting them to the model."""
