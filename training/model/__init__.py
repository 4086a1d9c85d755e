"""The model: its configuration, the scene model (encoders, motion, decoders) and its loss terms."""
