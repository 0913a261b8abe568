"""Hostile strings and files, generated in memory (nothing is stored in the repository).

:data:`STRINGS` are names a model, a file or a URL may carry: quotes, markup that PyScript would
run if it were inserted as HTML, control characters and a 10 kB string. Each one that ran would
set ``window.__pwned`` (the canary the browser tests check stays unset).
"""

from __future__ import annotations

CANARY = "__pwned"

STRINGS: tuple[str, ...] = (
    'x"><script type="py">import js;js.eval("window.__pwned=1")#',
    "x'><py-script>import js; js.eval('window.__pwned=2')</py-script>",
    '<img src=x onerror="window.__pwned=3">',
    "</section></div><script>window.__pwned=4</script>",
    "</x>",
    "a\x00b\x07c\x1b[31md\u202ee",
    '" onmouseover="window.__pwned=5" x="',
    "&lt;script&gt;&amp;",
    "A" * 10_000,
)


# --- hostile image files ------------------------------------------------------------------
import io  # noqa: E402
import struct  # noqa: E402
import zlib  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402


@dataclass(frozen=True)
class HostileFile:
    """A file to deliver, and what must happen: ``refuse`` (a message with every word of
    ``words``) or ``use`` (drawn; ``words`` then are those of the notice, if any)."""

    key: str
    name: str
    mime: str
    data: bytes
    expect: str  # "refuse" | "use"
    words: tuple[str, ...] = ()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


def _png(width: int, height: int, extra: bytes = b"", depth: int = 8, colour: int = 2) -> bytes:
    """A valid PNG of a flat image (streamed: nothing the size of the image is held)."""
    channels = {0: 1, 2: 3}[colour]
    row = b"\x00" + bytes(width * channels * depth // 8)
    comp = zlib.compressobj(9)
    parts = [comp.compress(row) for _ in range(height)]
    idat = b"".join(parts) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + extra + _chunk(b"IDAT", idat)
            + _chunk(b"IEND", b""))


def _inflating(n_bytes: int) -> bytes:
    comp = zlib.compressobj(9)
    block = bytes(1 << 20)
    out = [comp.compress(block) for _ in range(n_bytes >> 20)]
    return b"".join(out) + comp.flush()


def png_ztxt_bomb() -> bytes:
    """One zTXt chunk that inflates to 32 MB."""
    return _png(32, 32, _chunk(b"zTXt", b"Comment\x00\x00" + _inflating(32 << 20)))


def png_many_ztxt() -> bytes:
    """70 zTXt chunks of 1 MB (each under the per-chunk limit; together over the total)."""
    one = _inflating(1 << 20)[:-0 or None]
    body = b"".join(_chunk(b"zTXt", f"k{i}".encode() + b"\x00\x00" + one) for i in range(70))
    return _png(32, 32, body)


def png_iccp_bomb() -> bytes:
    return _png(32, 32, _chunk(b"iCCP", b"icc\x00\x00" + _inflating(32 << 20)))


def png_itxt_bomb() -> bytes:
    return _png(32, 32, _chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x01\x00\x00\x00"
                               + _inflating(32 << 20)))


def tiff_jpeg() -> bytes:
    rgb = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, "TIFF", compression="jpeg")
    return buf.getvalue()


def tiff_many_pages(pages: int = 100_000) -> bytes:
    """``pages`` chained 1x1 grey pages (about 11 MB): only the first may be read."""
    entries = 8
    ifd_size = 2 + 12 * entries + 4
    out = bytearray(b"II*\x00" + struct.pack("<I", 8))
    for k in range(pages):
        start = 8 + k * (ifd_size + 2)
        data_at = start + ifd_size
        nxt = start + ifd_size + 2 if k + 1 < pages else 0
        tags = [(256, 3, 1, 1), (257, 3, 1, 1), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
                (273, 4, 1, data_at), (278, 3, 1, 1), (279, 4, 1, 1)]
        out += struct.pack("<H", entries)
        for tag, typ, count, value in tags:
            out += struct.pack("<HHII", tag, typ, count, value)
        out += struct.pack("<I", nxt) + bytes([(k * 37) % 256, 0])
    return bytes(out)


def avif_claims(width: int = 16000, height: int = 12000) -> bytes:
    """The start of an AVIF whose image spatial extents claim ``width`` x ``height``."""
    ftyp = struct.pack(">I", 20) + b"ftypavif" + b"\x00\x00\x00\x00" + b"mif1"
    ispe = struct.pack(">I", 20) + b"ispe" + b"\x00\x00\x00\x00" + struct.pack(">II", width,
                                                                               height)
    meta = struct.pack(">I", 12 + len(ispe)) + b"meta" + b"\x00\x00\x00\x00" + ispe
    return ftyp + meta + bytes(4000)


def jpeg_tem_claims(width: int = 16000, height: int = 12000) -> bytes:
    """A JPEG with a TEM marker before a frame header that claims ``width`` x ``height``."""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + bytes(9)
    return b"\xff\xd8\xff\x01" + sof + b"\xff\xda\x00\x08" + bytes(6) + bytes(2000) + b"\xff\xd9"


def webp_claims(width: int = 16000, height: int = 12000) -> bytes:
    """A small WebP (VP8X) whose canvas claims ``width`` x ``height``."""
    small = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 200, 30)).save(small, "WEBP", lossless=True)
    vp8l = small.getvalue()[12:]
    vp8x = (b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00"
            + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little"))
    body = b"WEBP" + vp8x + vp8l + bytes(7000)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def ico_with_big_png(side: int = 13000) -> bytes:
    """An icon whose directory says 256 x 256 but whose embedded PNG is ``side`` squared."""
    png = _png(side, 8, b"")  # the rows beyond 8 are missing: only the header matters
    png = png[:16] + struct.pack(">II", side, side) + png[24:]
    entry = struct.pack("<BBBBHHII", 0, 0, 0, 0, 1, 32, len(png), 22)
    return b"\x00\x00\x01\x00\x01\x00" + entry + png


def grey16_png(width: int, height: int) -> bytes:
    return _png(width, height, depth=16, colour=0)


def corrupt_exif_jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buf, "JPEG", quality=90)
    data = buf.getvalue()
    app1 = b"Exif\x00\x00" + b"MM\x00*\x00\x00\x00\x08" + b"\x00\x05" + b"\xff" * 40
    return data[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + data[2:]


def nan_float_tiff() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((32, 32), np.nan, np.float32), "F").save(buf, "TIFF")
    return buf.getvalue()


def animated_png() -> bytes:
    frames = [Image.new("RGB", (32, 32), c) for c in ((200, 0, 0), (0, 200, 0))]
    buf = io.BytesIO()
    frames[0].save(buf, "PNG", save_all=True, append_images=frames[1:])
    return buf.getvalue()


def big_palette_gif(side: int = 7000) -> bytes:
    """A 49-megapixel palette GIF (1 byte a pixel decoded; 4 as RGBA)."""
    im = Image.new("P", (side, side), 3)
    im.putpalette([(i * 7) % 256 for i in range(768)])
    buf = io.BytesIO()
    im.save(buf, "GIF")
    return buf.getvalue()


def big_webp(width: int = 6000, height: int = 4000) -> bytes:
    """A flat lossless WebP (its decoder allocates whole canvases when the file is opened)."""
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(buf, "WEBP", lossless=True,
                                                          method=0)
    return buf.getvalue()


def image_corpus() -> list[HostileFile]:
    """Every hostile image of issue 14, in a fixed order."""
    return [
        HostileFile("png-ztxt-bomb", "ztxt.png", "image/png", png_ztxt_bomb(), "refuse",
                    ("metadata", "1 mb")),
        HostileFile("png-many-ztxt", "texts.png", "image/png", png_many_ztxt(), "refuse",
                    ("metadata", "4 mb")),
        HostileFile("png-iccp-bomb", "iccp.png", "image/png", png_iccp_bomb(), "refuse",
                    ("metadata",)),
        HostileFile("png-itxt-bomb", "itxt.png", "image/png", png_itxt_bomb(), "refuse",
                    ("metadata",)),
        HostileFile("tiff-jpeg", "photo.tif", "image/tiff", tiff_jpeg(), "refuse",
                    ("tiff", "jpeg compression", "png")),
        HostileFile("tiff-100000-pages", "pages.tif", "image/tiff", tiff_many_pages(), "use",
                    ("first page",)),
        HostileFile("avif-192mp", "huge.avif", "image/avif", avif_claims(), "refuse",
                    ("too large", "16,000 x 12,000", "64 megapixels")),
        HostileFile("jpeg-tem-192mp", "tem.jpg", "image/jpeg", jpeg_tem_claims(), "refuse",
                    ("too large", "16,000 x 12,000", "64 megapixels")),
        HostileFile("webp-claims-192mp", "claims.webp", "image/webp", webp_claims(), "refuse",
                    ("too large", "16,000 x 12,000", "64 megapixels")),
        HostileFile("ico-169mp-png", "big.ico", "image/x-icon", ico_with_big_png(), "refuse",
                    ("too large", "13,000 x 13,000")),
        HostileFile("grey16-64mp", "deep.png", "image/png", grey16_png(8000, 8000), "refuse",
                    ("too large to decode", "96 mb")),
        HostileFile("grey16-24mp", "deep-ok.png", "image/png", grey16_png(6000, 4000), "use"),
        HostileFile("rgb-24mp", "wide-ok.png", "image/png", _png(6000, 4000), "use"),
        HostileFile("gif-49mp", "big.gif", "image/gif", big_palette_gif(), "use"),
        HostileFile("webp-24mp", "big.webp", "image/webp", big_webp(), "refuse",
                    ("too large", "webp", "12 megapixels")),
        HostileFile("webp-12mp", "ok.webp", "image/webp", big_webp(4000, 3000), "use"),
        HostileFile("corrupt-exif", "exif.jpg", "image/jpeg", corrupt_exif_jpeg(), "use"),
        HostileFile("nan-float-tiff", "nan.tif", "image/tiff", nan_float_tiff(), "use"),
        HostileFile("animated-png", "anim.png", "image/png", animated_png(), "use",
                    ("first frame",)),
    ]


# --- hostile models -----------------------------------------------------------------------
import json  # noqa: E402
import zipfile  # noqa: E402


@dataclass(frozen=True)
class HostileModel:
    """A model file (``files``: path -> bytes, the first is the one named in ``?model=``)."""

    key: str
    files: dict[str, bytes]
    words: tuple[str, ...]


def _small_model() -> object:
    from pyapp.cnn.model import sequential_cnn

    return sequential_cnn((8, 8, 3), ((2,),), num_classes=3, rng=0)


def _npz(spec: dict, arrays: dict[str, np.ndarray], extra: dict[str, bytes] | None = None,
         compress: bool = True) -> bytes:
    buf = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(buf, "w", method) as zf:
        for key, arr in {"spec.json": np.frombuffer(json.dumps(spec).encode(), np.uint8),
                         **arrays}.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asarray(arr), allow_pickle=False)
            zf.writestr(key + ".npy", member.getvalue())
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def _base() -> tuple[dict, dict[str, np.ndarray]]:
    model = _small_model()
    return model.spec(), model.weight_arrays()  # type: ignore[attr-defined]


def npz_many_members(n: int = 100_000) -> bytes:
    spec, arrays = _base()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        member = io.BytesIO()
        np.lib.format.write_array(member, np.frombuffer(json.dumps(spec).encode(), np.uint8))
        zf.writestr("spec.json.npy", member.getvalue())
        for i in range(n):
            zf.writestr(f"x{i}.npy", b"")
    return buf.getvalue()


def npz_claims_floats(n: int = 400_000_000) -> bytes:
    """A tiny .npz whose kernel's .npy header claims ``n`` floats."""
    spec, arrays = _base()
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False,
                                                  "shape": (n,)})
    buf = io.BytesIO(_npz(spec, {k: v for k, v in arrays.items() if k != "output/kernel"}))
    with zipfile.ZipFile(buf, "a") as zf:
        info = zipfile.ZipInfo("output/kernel.npy")
        zf.writestr(info, b"\x93NUMPY\x01\x00" + header.getvalue()[8:] + bytes(64))
    return buf.getvalue()


def npz_big_unused_member(n_bytes: int = 200 << 20) -> bytes:
    spec, arrays = _base()
    buf = io.BytesIO(_npz(spec, arrays))
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as zf, zf.open("unused.bin", "w",
                                                                          force_zip64=True) as fh:
        block = bytes(1 << 20)
        for _ in range(n_bytes >> 20):
            fh.write(block)
    return buf.getvalue()


def npz_deep_spec(depth: int = 50_000) -> bytes:
    spec, arrays = _base()
    text = json.dumps(spec)
    text = text[:-1] + ', "provenance": ' + "[" * depth + "]" * depth + "}"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        member = io.BytesIO()
        np.lib.format.write_array(member, np.frombuffer(text.encode(), np.uint8))
        zf.writestr("spec.json.npy", member.getvalue())
        for k, v in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, v)
            zf.writestr(k + ".npy", member.getvalue())
    return buf.getvalue()


def npz_million_edges() -> bytes:
    """Two 1x1 convolutions of 700 filters: half a million edges to draw (weights all zero)."""
    spec = {"format": "cnn-explainer-native", "version": 1, "name": "wide",
            "input_shape": [4, 4, 3], "class_names": ["a", "b"],
            "layers": [{"name": "c1", "type": "conv2d", "filters": 700, "kernel_size": [1, 1]},
                       {"name": "c2", "type": "conv2d", "filters": 700, "kernel_size": [1, 1]},
                       {"name": "f", "type": "flatten"},
                       {"name": "out", "type": "dense", "units": 2}]}
    arrays = {"c1/kernel": np.zeros((1, 1, 3, 700), np.float32),
              "c1/bias": np.zeros(700, np.float32),
              "c2/kernel": np.zeros((1, 1, 700, 700), np.float32),
              "c2/bias": np.zeros(700, np.float32),
              "out/kernel": np.zeros((11200, 2), np.float32), "out/bias": np.zeros(2, np.float32)}
    return _npz(spec, arrays)


def npz_big_input(side: int = 4000) -> bytes:
    spec, arrays = _base()
    spec["input_shape"] = [side, side, 3]
    return _npz(spec, arrays)


def npz_infinite_weights() -> bytes:
    spec, arrays = _base()
    arrays["conv_1_1/kernel"] = np.full_like(arrays["conv_1_1/kernel"], np.inf)
    return _npz(spec, arrays)


def npz_zero_classes() -> bytes:
    spec, arrays = _base()
    spec["layers"][-1]["units"] = 0
    spec["class_names"] = []
    arrays["output/kernel"] = arrays["output/kernel"][:, :0]
    arrays["output/bias"] = arrays["output/bias"][:0]
    return _npz(spec, arrays)


def npz_class_names_not_strings() -> bytes:
    spec, arrays = _base()
    spec["class_names"] = [{"x": 1}, None, [2]]
    return _npz(spec, arrays)


def npz_layer_name(name: str) -> bytes:
    spec, arrays = _base()
    spec["layers"][0]["name"] = name
    arrays = {k.replace("conv_1_1/", f"{name}/"): v for k, v in arrays.items()}
    return _npz(spec, arrays)


def tfjs(paths: list[str], shard: bytes = bytes(40), names: object = None,
         layer: str = "d") -> dict[str, bytes]:
    doc = {"format": "layers-model", "modelTopology": {"model_config": {
        "class_name": "Sequential", "config": {"name": "t", "layers": [
            {"class_name": "Flatten",
             "config": {"name": "f", "batch_input_shape": [None, 2, 2, 3]}},
            {"class_name": "Dense", "config": {"name": layer, "units": 2, "use_bias": False}}]}}},
        "weightsManifest": [{"paths": paths, "weights": [
            {"name": f"{layer}/kernel", "shape": [12, 2], "dtype": "float32"}]}]}
    if names is not None:
        doc["userDefinedMetadata"] = {"class_names": names}
    files = {"model.json": json.dumps(doc).encode()}
    for p in paths:
        if not p.startswith(("//", "http")):
            files[p] = shard
    return files


def model_corpus() -> list[HostileModel]:
    """Every hostile model of issue 14 (the file named in ``?model=`` comes first)."""
    return [
        HostileModel("layer-name-script", {"m.npz": npz_layer_name(STRINGS[0])},
                     ("layer name", "not allowed")),
        HostileModel("npz-100000-members", {"m.npz": npz_many_members()},
                     ("100,001 entries", "256")),
        HostileModel("npz-claims-4e8-floats", {"m.npz": npz_claims_floats()}, ("shape",)),
        HostileModel("npz-unused-200mb-member", {"m.npz": npz_big_unused_member()},
                     ("unpacks to", "64 mb")),
        HostileModel("npz-deep-spec", {"m.npz": npz_deep_spec()}, ("nested", "32 levels")),
        HostileModel("npz-million-edges", {"m.npz": npz_million_edges()},
                     ("connections", "20,000")),
        HostileModel("npz-input-4000", {"m.npz": npz_big_input()}, ("4,000 x 4,000", "pixels")),
        HostileModel("npz-infinite-weights", {"m.npz": npz_infinite_weights()},
                     ("infinite",)),
        HostileModel("npz-zero-classes", {"m.npz": npz_zero_classes()}, ("no outputs",)),
        HostileModel("npz-class-names-not-text", {"m.npz": npz_class_names_not_strings()},
                     ("class name 1", "not text")),
        HostileModel("tfjs-shard-off-origin", tfjs(["//other.host/w.bin"]), ("on this site",)),
        HostileModel("tfjs-repeated-shard", tfjs(["w.bin"] * 60), ("more than once",)),
        HostileModel("tfjs-too-many-shards", tfjs([f"w{i}.bin" for i in range(100)]),
                     ("100 weight files", "64")),
        HostileModel("tfjs-layer-name-py-script",
                     tfjs(["w.bin"], bytes(96), layer="x'><py-script>1</py-script>"),
                     ("layer name",)),
    ]
