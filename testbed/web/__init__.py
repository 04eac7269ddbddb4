"""The HTTP side: the aiohttp application, its pages, the `/testbed/` control plane, recording."""
