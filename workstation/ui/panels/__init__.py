"""The dock panels: Inspector, Library (with a clip's frames), Layers and Shots."""
