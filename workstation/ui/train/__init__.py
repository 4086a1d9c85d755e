"""File ▸ Train Model on Clips…: the dialog, its estimate and progress, the model choice at the
end, and the child processes training runs in."""
