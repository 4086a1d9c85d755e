"""Seeing the shot: the Canvas, the viewport that schedules renders, the render worker, playback,
the Timeline and the View ▸ Layer menu."""
