"""What the page benchmarks share: Debian's Chromium and its flags, and the site to measure
(a URL given on the command line, or a fresh build served on a free 127.0.0.1 port)."""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@contextlib.contextmanager
def served(url: str | None = None) -> Iterator[str]:
    """``url`` itself, or the URL of a fresh build served by ``build.py serve`` until the
    block ends."""
    if url is not None:
        yield url
        return
    out = Path(tempfile.mkdtemp()) / "dist"
    subprocess.run([sys.executable, str(ROOT / "build.py"), "--out", str(out)], check=True,
                   capture_output=True)
    server = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--out", str(out),
                               "serve", "--no-build", "--port", "0"],
                              stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline() if server.stdout else ""
        m = re.search(r"http://127\.0\.0\.1:\d+/", line)
        if not m:
            raise SystemExit(f"build.py serve did not print its URL: {line!r}")
        yield m.group(0)
    finally:
        server.terminate()
        server.wait(timeout=10)
