"""The files shipped with Stopframe, as package data (found with ``workstation.kernel.locations.asset_path``):

- ``demo/clips/``: the first-run demo clips (made by ``scripts/make_demo_media.py``);
- ``models/demo/``: the digit demo model bundle the demo project renders with;
- ``models/digits_decoder/``, ``models/summed/``: the digit models it started from (``init_from``);
- ``models/sprites/``: the sprite model the sprite demo renders with.
"""
