"""File ▸ Export Shot… and Export All Shots…: the dialogs and the worker that writes the frames."""
