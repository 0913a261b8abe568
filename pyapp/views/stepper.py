"""The animation clock of a detail view: which position is shown, playing or paused, speed.

Pure logic, driven by ``tick(dt_ms)`` from the one scheduler (``pyapp.ui.animation``): the
position advances by one every ``step_ms`` while playing (``interval_ms / speed``, or less when
``sweep_ms`` caps a whole sweep at speed 1: a 62 x 62 map then moves several positions a frame),
and wraps at the end.  ``step`` always moves exactly one position; ``end`` shows the last one
(the whole map filled).  Under ``prefers-reduced-motion`` a stepper starts paused, so nothing
moves unless the user steps or presses play.
"""

from __future__ import annotations

from dataclasses import dataclass

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)


@dataclass
class Stepper:
    count: int
    position: int = 0
    playing: bool = True
    speed: float = 1.0
    interval_ms: float = 60.0
    sweep_ms: float | None = None  # at speed 1 a whole sweep takes at most this long
    _elapsed: float = 0.0

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("a stepper needs at least one position")
        self.position = self._clip(self.position)

    def _clip(self, i: int) -> int:
        return min(max(int(i), 0), self.count - 1)

    @property
    def step_ms(self) -> float:
        """Milliseconds a position is shown while playing."""
        interval = self.interval_ms
        if self.sweep_ms is not None:
            interval = min(interval, self.sweep_ms / self.count)
        return interval / self.speed

    def tick(self, dt_ms: float) -> bool:
        """Advance the clock; True when the position changed."""
        if not self.playing or self.count < 2:
            return False
        self._elapsed += max(float(dt_ms), 0.0)
        step = self.step_ms
        n = int(self._elapsed // step)
        if n == 0:
            return False
        self._elapsed -= n * step
        self.position = (self.position + n) % self.count
        return True

    def step(self, delta: int) -> int:
        """Move exactly ``delta`` positions (wrapping) and pause."""
        self.playing = False
        self._elapsed = 0.0
        self.position = (self.position + int(delta)) % self.count
        return self.position

    def seek(self, position: int) -> int:
        """Show ``position`` (clipped) and pause: the user pinned it."""
        self.playing = False
        self._elapsed = 0.0
        self.position = self._clip(position)
        return self.position

    def end(self) -> int:
        """Show the last position (every value computed) and pause."""
        return self.seek(self.count - 1)

    def play(self) -> None:
        self.playing = True
        self._elapsed = 0.0

    def pause(self) -> None:
        self.playing = False

    def toggle(self) -> bool:
        if self.playing:
            self.pause()
        else:
            self.play()
        return self.playing

    def replay(self) -> None:
        self.position = 0
        self.play()

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = float(speed)
