"""The files shipped with Stopframe, as package data (found with ``workstation.kernel.locations.asset_path``):

- ``demo/clips/``: the first-run demo clips (made by ``scripts/make_demo_media.py``);
- ``models/demo/``: the demo model bundle the demo project renders with.
"""
