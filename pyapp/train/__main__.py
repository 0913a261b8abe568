"""``python -m pyapp.train``: train TinyVGG on CIFAR-10 and export it to the native format.

Examples::

    python -m pyapp.train --data ../shared/datasets/cifar10-jpg.tar.gz          # full run
    python -m pyapp.train --data cifar-10-python.tar.gz --quick --out /tmp/m.npz # smoke run
    python -m pyapp.train --from-checkpoint runs/tinyvgg.pt --data ...           # export only
    python -m pyapp.train --arch teacher --checkpoint runs/teacher.pt ...        # a teacher
    python -m pyapp.train --distill-from runs/teacher.pt ...                     # distilled
    python -m pyapp.train --resume ...    # go on from the last finished epoch (same options)

The whole training state is saved after every epoch beside ``--checkpoint`` (``.state``), so a
stopped run resumes with ``--resume`` and the same options; an epoch-scheduled run that was
stopped and resumed ends bit for bit where an unstopped one would.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pyapp.cifar10 import Split, load_cifar10

DEFAULT_DATA = "../shared/datasets/cifar10-jpg.tar.gz"
DEFAULT_OUT = "weights/tinyvgg-cifar10.npz"
DEFAULT_CHECKPOINT = "runs/tinyvgg-cifar10.pt"


def _parser() -> argparse.ArgumentParser:
    from pyapp.train.fit import Recipe

    r = Recipe()
    p = argparse.ArgumentParser(prog="python -m pyapp.train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=DEFAULT_DATA,
                   help="CIFAR-10 JPEG tar, official python-version archive, or a directory "
                        f"holding either (default {DEFAULT_DATA})")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"native .npz to write ({DEFAULT_OUT})")
    p.add_argument("--checkpoint", default=DEFAULT_CHECKPOINT,
                   help="torch checkpoint, saved after every epoch")
    p.add_argument("--from-checkpoint", default=None,
                   help="skip training: export this checkpoint")
    p.add_argument("--cache-dir", default=".cache", help="decoded-dataset cache ('' = none)")
    p.add_argument("--epochs", type=int, default=r.epochs)
    p.add_argument("--batch-size", type=int, default=r.batch_size)
    p.add_argument("--lr", type=float, default=r.lr)
    p.add_argument("--weight-decay", type=float, default=r.weight_decay)
    p.add_argument("--label-smoothing", type=float, default=r.label_smoothing)
    p.add_argument("--crop-pad", type=int, default=r.crop_pad)
    p.add_argument("--jitter", type=float, default=r.jitter)
    p.add_argument("--photo-aug", type=float, default=r.photo_aug, metavar="P",
                   help="photo-like augmentation (resized crop, colour, blur/sharpen, low "
                        "resolution, JPEG), each applied to a sample with probability P")
    p.add_argument("--init-from", default=None, metavar="CHECKPOINT",
                   help="start from this checkpoint's weights with a fresh optimiser and "
                        "schedule (fine-tuning; --from-checkpoint only exports)")
    p.add_argument("--arch", default=r.arch, choices=["tinyvgg", "teacher"],
                   help="tinyvgg (exported) or teacher: a wider network for distillation, "
                        "kept as a checkpoint only (pyapp/train/teacher.py)")
    p.add_argument("--teacher-width", type=int, default=r.teacher_width,
                   help="the teacher's first-stage channels (with --arch teacher)")
    p.add_argument("--distill-from", default=None, metavar="CHECKPOINT",
                   help="learn from this teacher's softened outputs as well as the labels")
    p.add_argument("--distill-alpha", type=float, default=r.distill_alpha,
                   help="weight of the teacher's term (the labels' is 1 - alpha)")
    p.add_argument("--distill-temperature", type=float, default=r.distill_temperature)
    p.add_argument("--resume", action="store_true",
                   help="go on from the state saved beside --checkpoint (same options)")
    p.add_argument("--ema-decay", type=float, default=r.ema_decay)
    p.add_argument("--no-batch-norm", action="store_true")
    p.add_argument("--seed", type=int, default=r.seed)
    p.add_argument("--threads", type=int, default=r.threads,
                   help="torch threads (1 is the most CPU-efficient on a busy 2-core machine)")
    p.add_argument("--procs", type=int, default=r.procs,
                   help="processes, each taking a share of every batch (one per core is "
                        "fastest; the result depends on this number)")
    p.add_argument("--no-channels-last", action="store_true")
    p.add_argument("--limit-train", type=int, default=0,
                   help="use a seeded random subset of this many training images")
    p.add_argument("--time-budget", type=float, default=0.0, metavar="MINUTES",
                   help="train for this wall-clock time: the one-cycle schedule follows the "
                        "clock instead of --epochs (the LR trace is saved in the checkpoint "
                        "and --replay-lr-from reproduces the run exactly)")
    p.add_argument("--replay-lr-from", default=None, metavar="CHECKPOINT",
                   help="replay the exact per-step LR trace of an earlier (time-budgeted) run: "
                        "its checkpoint or a .json list")
    p.add_argument("--save-lr-trace", default=None, metavar="JSON",
                   help="write the run's per-step learning rates here")
    p.add_argument("--eval-every", type=int, default=1)
    p.add_argument("--log-every", type=int, default=50, help="print progress every N steps")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 1 epoch on 512 training images, eval on 1000 test images")
    p.add_argument("--skip-eval", action="store_true",
                   help="do not evaluate the exported model through the numpy core")
    return p


def read_lr_trace(path: str) -> list[float]:
    """Per-step learning rates from a ``.json`` list or a checkpoint's history."""
    if path.endswith(".json"):
        return [float(v) for v in json.loads(Path(path).read_text())]
    from pyapp.train.checkpoint import load_checkpoint

    history = load_checkpoint(path)[1]["history"]
    return [float(v) for v in history["lr"]]  # type: ignore[index]


def _subset(split: Split, n: int, seed: int) -> Split:
    if n <= 0 or n >= len(split):
        return split
    idx = np.sort(np.random.default_rng(seed).permutation(len(split))[:n])
    return Split(split.images[idx], split.labels[idx])


def main(argv: Sequence[str] | None = None) -> int:
    """Train (or load a checkpoint), export to ``--out``, evaluate through the numpy core."""
    args = _parser().parse_args(argv)
    from pyapp.train.checkpoint import load_checkpoint, save_checkpoint
    from pyapp.train.fit import Recipe, train
    from pyapp.train.model import TinyVGG

    command = "python -m pyapp.train " + shlex.join(sys.argv[1:] if argv is None else argv)
    if args.quick:
        args.epochs = min(args.epochs, 1)
        args.limit_train = args.limit_train or 512
    t0 = time.perf_counter()
    data = load_cifar10(args.data, args.cache_dir or None)
    print(f"data: {data.layout} {args.data}: {len(data.train)} train, {len(data.test)} test "
          f"({time.perf_counter() - t0:.1f}s)", flush=True)
    train_split = _subset(data.train, args.limit_train, args.seed)
    monitor = _subset(data.test, 1000 if args.quick else 2000, args.seed)
    if args.from_checkpoint:
        model, meta = load_checkpoint(args.from_checkpoint)
    else:
        trace = None
        if args.replay_lr_from:
            trace = read_lr_trace(args.replay_lr_from)
        recipe = Recipe(
            epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
            weight_decay=args.weight_decay, label_smoothing=args.label_smoothing,
            crop_pad=args.crop_pad, jitter=args.jitter, photo_aug=args.photo_aug,
            init_from=args.init_from, ema_decay=args.ema_decay, arch=args.arch,
            distill_from=args.distill_from, distill_alpha=args.distill_alpha,
            distill_temperature=args.distill_temperature, teacher_width=args.teacher_width,
            batch_norm=not args.no_batch_norm, seed=args.seed, threads=args.threads,
            procs=args.procs,
            channels_last=not args.no_channels_last, time_budget_s=args.time_budget * 60,
            lr_trace=trace,
        )
        print(f"recipe: {recipe.as_dict()}", flush=True)
        meta: dict[str, object] = {"recipe": recipe.as_dict(), "command": command,
                                   "train_images": len(train_split), "data": args.data,
                                   "layout": data.layout}

        def on_epoch(epoch: int, ema_model: object) -> None:
            if args.checkpoint:
                save_checkpoint(args.checkpoint, ema_model, {**meta, "epoch": epoch})  # type: ignore[arg-type]

        if args.resume and not args.checkpoint:
            print("--resume needs --checkpoint (the state is kept beside it)", file=sys.stderr)
            return 2
        model, history = train(recipe, train_split, monitor,
                               log=lambda s: print(s, flush=True),
                               eval_every=args.eval_every, on_epoch=on_epoch,
                               log_every=args.log_every,
                               state_path=f"{args.checkpoint}.state" if args.checkpoint else None,
                               resume=args.resume)
        meta["history"] = history
        if args.save_lr_trace:
            Path(args.save_lr_trace).write_text(json.dumps(history["lr"]))
        meta["train_seconds"] = history["seconds"]
        if args.checkpoint:
            save_checkpoint(args.checkpoint, model, meta)
    evaluation = monitor if args.quick else data.test
    if not isinstance(model, TinyVGG):  # a teacher is never exported
        from pyapp.train.fit import accuracy

        print(f"teacher accuracy on {len(evaluation)} test images: "
              f"{accuracy(model, evaluation):.4f}", flush=True)
        return 0
    from pyapp.train.export import export_model

    out = Path(args.out)
    export_model(model, out, meta, test=None if args.skip_eval else evaluation)
    print(f"wrote {out}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
