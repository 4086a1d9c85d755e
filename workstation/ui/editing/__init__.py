"""The animator's edits as undoable steps, and the menus that make them (Character, Shot, Output
Size, in and out points)."""
