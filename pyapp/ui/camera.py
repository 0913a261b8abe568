"""The webcam (PyScript layer): asks for the camera only when the student clicks, shows the
live preview, hands out frames as Pillow images, and releases the camera on stop.

Frames never leave the page: each is drawn from the ``<video>`` into a small canvas (the
centre square, :data:`FRAME_SIDE` pixels a side, so a frame's size is bounded whatever the
camera gives) and read back as RGBA.  Nothing is stored here.
"""

from __future__ import annotations

from typing import Any

import js  # type: ignore[import-not-found]
from PIL import Image
from pyodide.ffi import to_js  # type: ignore[import-not-found]

from pyapp.learn import panel

#: a frame is the centre square of the video, scaled to this many pixels a side
FRAME_SIDE = 128


def refusal_message(exc: BaseException) -> str:
    """A plain sentence for a failed ``getUserMedia`` (no camera, refused, busy)."""
    return panel.camera_refused(str(exc))


class Camera:
    """One camera stream shown in ``video``."""

    def __init__(self, video: Any) -> None:
        self.video = video
        self.stream: Any = None
        self.canvas = js.document.createElement("canvas")
        self.canvas.width = self.canvas.height = FRAME_SIDE
        self.ctx = self.canvas.getContext("2d", to_js({"willReadFrequently": True},
                                                      dict_converter=js.Object.fromEntries))

    @property
    def on(self) -> bool:
        return self.stream is not None

    async def start(self) -> str:
        """Ask for the camera (the browser may prompt); "" when it runs, else the message."""
        if self.on:
            return ""
        devices = getattr(js.navigator, "mediaDevices", None)
        if devices is None or not hasattr(devices, "getUserMedia"):
            return panel.no_camera()
        constraints = to_js({"video": {"width": {"ideal": 640}, "height": {"ideal": 480},
                                       "facingMode": "user"}, "audio": False},
                            dict_converter=js.Object.fromEntries)
        try:
            stream = await devices.getUserMedia(constraints)
        except Exception as exc:  # noqa: BLE001 - a DOMException: refused, absent, busy
            return refusal_message(exc)
        self.stream = stream
        self.video.srcObject = stream
        self.video.muted = True
        try:
            await self.video.play()
        except Exception:  # noqa: BLE001, S110 - autoplay refused: frames still arrive
            pass
        return ""

    def ready(self) -> bool:
        """Whether the video has a frame to read."""
        return self.on and int(self.video.readyState) >= 2 and int(self.video.videoWidth) > 0

    def frame(self) -> Image.Image | None:
        """The current frame: its centre square as a ``FRAME_SIDE`` RGBA image."""
        if not self.ready():
            return None
        w, h = int(self.video.videoWidth), int(self.video.videoHeight)
        side = min(w, h)
        self.ctx.drawImage(self.video, (w - side) // 2, (h - side) // 2, side, side,
                           0, 0, FRAME_SIDE, FRAME_SIDE)
        rgba = self.ctx.getImageData(0, 0, FRAME_SIDE, FRAME_SIDE).data.to_bytes()
        return Image.frombytes("RGBA", (FRAME_SIDE, FRAME_SIDE), bytes(rgba))

    def frame_url(self) -> str:
        """The last frame drawn, as a small JPEG data URL (the overview's "original")."""
        return str(self.canvas.toDataURL("image/jpeg", 0.8))

    def stop(self) -> None:
        """Stop every track (the camera light goes off) and clear the preview."""
        if self.stream is not None:
            for track in self.stream.getTracks():
                track.stop()
        self.stream = None
        self.video.srcObject = None
