"""Every limit the app puts on outside data, in one place (docs/ARCHITECTURE.md, "Budgets").

Images, models and the URL are untrusted: each is checked against these numbers *before* the
work they bound is done (from a file's size, an image's header, a zip's directory, a ``.npy``
header, a JSON document's nesting), so that no file takes memory or time without bound. In the
page, WebAssembly memory never shrinks: the image budgets keep the growth one file can cause
under about 256 MB. Refusals are sentences that name the limit (:func:`plain_size`).
"""

from __future__ import annotations

from pyapp.i18n import tr, trn

MB = 1 << 20

# --- images -------------------------------------------------------------------------------
#: Largest file read at all (checked from ``File.size`` before a byte is read).
MAX_IMAGE_FILE_BYTES = 50 * MB
#: Largest image, in pixels, as its header declares it (a 48 MP phone photo passes).
MAX_IMAGE_PIXELS = 64_000_000
#: Largest decoded frame in memory (Pillow keeps 4 bytes a pixel for colour, 2 for 16-bit grey,
#: 1 for grey / palette). A JPEG is decoded at a reduced scale first, so photos are not limited
#: by this; a lossless image of more than about 24 megapixels in colour is.
MAX_DECODED_BYTES = 96 * MB
#: WebP images, whose decoder allocates several whole canvases as soon as the file is opened
#: (a 24-megapixel WebP grew WebAssembly memory by 420 MB): a smaller pixel limit.
MAX_WEBP_PIXELS = 12_000_000
#: Frames / pages looked at: only the first is read (an animation's other frames, a TIFF's other
#: pages are never walked), and the user is told when there are more.
MAX_FRAMES_READ = 1
#: Largest metadata block (PNG iCCP / zTXt / iTXt, inflated) and all of them together.
MAX_TEXT_CHUNK_BYTES = 1 * MB
MAX_TEXT_TOTAL_BYTES = 4 * MB
#: Goal for the WebAssembly memory one image may add (measured by the browser tests).
MAX_IMAGE_MEMORY_GROWTH = 256 * MB

# --- models -------------------------------------------------------------------------------
#: Largest model file (the default TinyVGG is 0.1 MB).
MAX_MODEL_BYTES = 50 * MB
#: Members of a native ``.npz`` (spec + two arrays a layer).
MAX_MODEL_MEMBERS = 256
#: Inflated size of one member, and of all members, read from the zip directory beforehand.
MAX_MEMBER_BYTES = 64 * MB
MAX_UNCOMPRESSED_BYTES = 128 * MB
#: Largest ``spec.json`` / ``model.json`` and its deepest nesting of lists and objects.
MAX_SPEC_BYTES = 4 * MB
MAX_JSON_DEPTH = 32
#: Layers of a model.
MAX_LAYERS = 64
#: Largest model input (height x width), and largest activation of any layer (values).
MAX_INPUT_SIDE = 512
MAX_INPUT_PIXELS = 256 * 256
MAX_ACTIVATION_VALUES = 4_000_000
#: Multiply-adds of one forward pass (TinyVGG needs about 6 million).
MAX_MULTIPLY_ADDS = 150_000_000
#: What the overview draws: neurons (all columns) and edges.
MAX_NEURONS_DRAWN = 2_000
MAX_EDGES_DRAWN = 20_000
#: Class names: how many, and the longest.
MAX_CLASSES = 1_000
MAX_NAME_CHARS = 200
#: TF.js weight shards: how many, each one's size (each path is fetched once, same origin only).
MAX_SHARDS = 64
MAX_SHARD_BYTES = 50 * MB


def plain_size(n_bytes: float) -> str:
    """``96 MB``, ``1.5 MB``, ``12 kB``, ``7 bytes`` (binary multiples)."""
    if n_bytes < 1024:
        return trn("{n} byte", "{n} bytes", int(n_bytes))
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if n_bytes >= scale:
            value = n_bytes / scale
            whole = value >= 10 or value == int(value)
            return f"{value:.0f} {unit}" if whole else f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def megapixels(pixels: float) -> str:
    """``64 megapixels``, ``0.3 megapixels``."""
    mp = pixels / 1e6
    return tr("{mp} megapixels", mp=f"{mp:.0f}" if mp >= 10 else f"{mp:.1f}")

# --- the student's code (Code tab, pyapp/codelab) --------------------------------------------
#: Longest a student's function (or its module's top level) may run before it is stopped.
CODE_TIME_LIMIT_S = 3.0
#: Largest code the editor runs or keeps (characters).
MAX_CODE_CHARS = 20_000
#: Longest ``?code=`` value read from a link (characters, compressed and encoded).
MAX_CODE_PARAM = 3_000

# --- a tour file (``?tour=``, pyapp/tour/data.py) ---------------------------------------
MAX_TOUR_BYTES = 64 * 1024
MAX_TOUR_STEPS = 40
MAX_TOUR_TEXT = 600  # characters of a step's text, question or "why"
MAX_TOUR_LABEL = 80  # characters of a title, label or choice
MAX_TOUR_CHOICES = 12
