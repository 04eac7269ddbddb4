"""The HTTP side: the aiohttp application, its pages and the `/testbed/` control plane."""
