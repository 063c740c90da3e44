"""Watch mode: a local preview server (`render watch FILE.scene`).

`server.PreviewServer` compiles the file, serves the page and the preview
segments over HTTP, and pushes every change to the page as server-sent events;
`renderer` renders and caches one small MP4 per scene. The page is `page.html`.
"""
from .renderer import preview_size
from .server import PreviewServer, error_payload

__all__ = ["PreviewServer", "error_payload", "preview_size"]
