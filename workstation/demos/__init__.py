"""The demo projects that ship with Stopframe: handwritten digits and LPC game sprites."""
