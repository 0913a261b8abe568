"""Command line: ``python -m pyapp classify [--model PATH] [--json] [--top K] IMAGE...``,
``python -m pyapp saliency --method gradcam|gradient-x-input|occlusion [--class NAME]
[--layer NAME] [--patch 8 --stride 4] [--json] IMAGE...`` and
``python -m pyapp evaluate [--model PATH] [--data PATH] ...`` (see ``pyapp.evaluate``).

``IMAGE`` may be a file, a directory (its image files, sorted, not recursive) or an
``http(s)://`` / ``file://`` URL (read up to the app's 50 MB file limit).  Each image's
top classes are printed; with ``--json``, a JSON list of ``{"image", "classes", "probs"}``
(all classes, in the model's order) goes to stdout.  An unreadable image is reported on
stderr and left out; the others are still classified and the exit status is then 1.
``saliency --json`` prints ``{"image", "method", "layer" (Grad-CAM only), "class",
"class_index", "map"}`` per image (see ``pyapp.cnn.saliency``), images read as ``classify``
reads them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "weights" / "tinyvgg-cifar10.npz"


EXAMPLES = """examples:
  python -m pyapp classify photo.jpg
  python -m pyapp classify --top 5 photos/
  python -m pyapp classify --json https://example.org/cat.png
  python -m pyapp classify --model models/mine/model.json --classes cat,dog pet.jpg
"""


def is_url(arg: str) -> bool:
    """``http://``, ``https://`` or ``file://`` (a Windows path like ``C:\\x`` is not)."""
    return arg.split("://", 1)[0].lower() in ("http", "https", "file") and "://" in arg


def read_image_url(url: str) -> bytes:
    """The bytes at an image URL, refused past the image file budget (not read further)."""
    import urllib.request

    from . import budgets
    from .cnn.preprocess import ImageError

    try:
        with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310 - the user's URL
            data = resp.read(budgets.MAX_IMAGE_FILE_BYTES + 1)
    except OSError as exc:
        raise ImageError(f"cannot fetch {url}: {getattr(exc, 'reason', exc)}") from exc
    if len(data) > budgets.MAX_IMAGE_FILE_BYTES:
        raise ImageError(f"the file is larger than the "
                         f"{budgets.plain_size(budgets.MAX_IMAGE_FILE_BYTES)} the app reads")
    return data


def _image_files(args: Sequence[str]) -> list[Path | str]:
    exts = {e.lower() for e in Image.registered_extensions()}
    files: list[Path | str] = []
    for arg in args:
        if is_url(arg):  # kept as text: Path() would fold "http://" into "http:/"
            files.append(arg)
            continue
        p = Path(arg)
        if p.is_dir():
            files += sorted(f for f in p.iterdir()
                            if f.is_file() and not f.name.startswith(".")
                            and f.suffix.lower() in exts)
        else:
            files.append(p)
    return files


def _load_model(ns: argparse.Namespace):
    """The model named by ``--model`` (and ``--classes``), or an exit status after a message."""
    from .cnn.formats import ModelFormatError, load_model

    model_is_url = bool(ns.model) and is_url(ns.model)
    model_path = Path(ns.model) if ns.model else DEFAULT_MODEL
    if not model_is_url and not model_path.exists():
        hint = "" if ns.model else " (no default model is shipped yet: pass --model PATH)"
        print(f"error: model not found: {model_path}{hint}", file=sys.stderr)
        return 2
    classes = None
    if ns.classes:
        text = Path(ns.classes).read_text("utf-8") if Path(ns.classes).is_file() else ns.classes
        sep = "\n" if "\n" in text.strip() else ","
        classes = [c.strip() for c in text.strip().split(sep)]
    try:
        if model_is_url:
            from .model_source import fetch_url, load_model_from

            return asyncio.run(load_model_from(ns.model, fetch_url, classes))
        return load_model(model_path, classes)
    except (ModelFormatError, ValueError, OSError) as exc:
        print(f"error: cannot load model {ns.model or model_path}: {exc}", file=sys.stderr)
        return 2


class _Inputs:
    """The model inputs of the images (files, directories or URLs) named on the command line,
    as ``(name, input)`` pairs; an image that cannot be read is reported and counted."""

    def __init__(self, args: Sequence[str], model: object) -> None:
        self.model, self.failed = model, 0
        self.files = _image_files(args)
        if not self.files:
            print("error: no images given (or the directories hold none)", file=sys.stderr)

    def __iter__(self):
        from .cnn.preprocess import ImageError, preprocess

        for f in self.files:
            try:
                source = read_image_url(f) if isinstance(f, str) else f
                yield f, preprocess(source, self.model.input_shape, self.model.preprocessing)
            except (ImageError, OSError) as exc:
                self.failed += 1
                print(f"error: {f}: {exc}", file=sys.stderr)


def _classify(ns: argparse.Namespace) -> int:
    model = _load_model(ns)
    if isinstance(model, int):
        return model
    inputs = _Inputs(ns.images, model)
    if not inputs.files:
        return 2
    results = []
    for f, x in inputs:
        probs = model.predict(x)
        results.append({"image": str(f), "classes": list(model.class_names),
                        "probs": [float(p) for p in probs]})
        if not ns.json:
            order = probs.argsort()[::-1][: max(1, ns.top)]
            width = max(len(model.class_names[i]) for i in order)
            print(f)
            for i in order:
                print(f"  {model.class_names[i]:<{width}}  {probs[i]:.4f}")
    if ns.json:
        json.dump(results, sys.stdout, indent=1)
        print()
    return 1 if inputs.failed else 0


METHODS = ("gradcam", "gradient-x-input", "occlusion")


def _class_index(model, name: str | None, probs) -> int | str:
    """``--class``: a class name or index; the predicted class when absent (or a message)."""
    if name is None:
        return int(probs.argmax())
    if name in model.class_names:
        return model.class_names.index(name)
    if name.isdigit() and int(name) < model.num_classes:
        return int(name)
    return f"unknown class {name!r}; classes: {', '.join(model.class_names)}"


def _saliency(ns: argparse.Namespace) -> int:
    from .cnn import saliency as sal

    if ns.layer and ns.method != "gradcam":
        print("error: --layer applies to --method gradcam only", file=sys.stderr)
        return 2
    model = _load_model(ns)
    if isinstance(model, int):
        return model
    layer = None
    if ns.method == "gradcam":
        try:
            layer = ns.layer or sal.default_cam_layer(model)
            if len(model.shapes[model.layer(layer).name]) != 3:
                raise ValueError(f"layer {layer!r} is not spatial (H, W, C)")
        except (KeyError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    inputs = _Inputs(ns.images, model)
    if not inputs.files:
        return 2
    results = []
    for f, x in inputs:
        acts = model.forward(x)
        c = _class_index(model, ns.class_name, acts["probabilities"])
        if isinstance(c, str):
            print(f"error: {c}", file=sys.stderr)
            return 2
        if ns.method == "gradcam":
            m = sal.grad_cam(model, acts, c, layer)
        elif ns.method == "gradient-x-input":
            m = sal.gradient_x_input(model, acts, c)
        else:
            m = sal.occlusion(model, x, c, ns.patch, ns.stride)
        r = {"image": str(f), "method": ns.method, "layer": layer,
             "class": model.class_names[c], "class_index": c, "map": m.tolist()}
        if layer is None:
            del r["layer"]
        results.append(r)
        if not ns.json:
            where = f" on {layer}" if layer else ""
            print(f"{f}: {ns.method}{where}, class {model.class_names[c]} ({c}), map "
                  f"{'x'.join(map(str, m.shape))}, {m.min():.4g} .. {m.max():.4g}")
    if ns.json:
        json.dump(results, sys.stdout)
        print()
    return 1 if inputs.failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pyapp", description="CNN explainer core: classify images, saliency maps.")
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("classify", help="print each image's top classes", epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Classify images with the default model or your own.")
    c.add_argument("images", nargs="+", metavar="IMAGE",
                   help="image files, directories or http(s):// / file:// URLs")
    c.add_argument("--model", help="native .npz or TF.js model.json: a path or an http(s):// "
                                   f"or file:// URL (default {DEFAULT_MODEL})")
    c.add_argument("--json", action="store_true", help="JSON list of {image, classes, probs}")
    c.add_argument("--top", type=int, default=3, help="classes shown per image (default 3)")
    c.add_argument("--classes", help="class names: a file (one per line) or a comma list, "
                   "for models that carry none (e.g. a TF.js model.json)")
    c.set_defaults(func=_classify)
    m = sub.add_parser("saliency", help="saliency map of a class for each image")
    m.add_argument("images", nargs="+", metavar="IMAGE", help="image files or directories")
    m.add_argument("--method", required=True, choices=METHODS,
                   help="gradcam (at the layer's resolution), gradient-x-input (the input's "
                        "shape) or occlusion (probability per patch position)")
    m.add_argument("--class", dest="class_name", metavar="NAME",
                   help="class name or index (default: the predicted class)")
    m.add_argument("--layer", help="Grad-CAM layer (default: the last rectified convolution)")
    m.add_argument("--model", help="native .npz or TF.js model.json, a path or URL (default "
                                   f"{DEFAULT_MODEL})")
    m.add_argument("--classes", help="class names for models that carry none (as classify)")
    m.add_argument("--patch", type=int, default=8, help="occlusion patch size (default 8)")
    m.add_argument("--stride", type=int, default=4, help="occlusion stride (default 4)")
    m.add_argument("--json", action="store_true",
                   help="JSON list of {image, method, layer, class, class_index, map}")
    m.set_defaults(func=_saliency)
    sub.add_parser("evaluate", add_help=False,
                   help="accuracy and confusion matrix on CIFAR-10 through the numpy core "
                        "(python -m pyapp evaluate --help)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["evaluate"]:  # its own parser, shared with ``python -m pyapp.evaluate``
        from .evaluate import main as evaluate_main

        return int(evaluate_main(args[1:]))
    ns = build_parser().parse_args(args)
    try:
        return int(ns.func(ns))
    except BrokenPipeError:  # e.g. piped into `head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
