"""Train a registered model on HAM10000 and ship it with its model card.

    python -m skinscan_ui.build.train --model efficientnet_lite0 --epochs 12
    python -m skinscan_ui.build.train --model efficientnet_lite0 --epochs 12 --resume   # after a stop

Checkpoints every epoch in the run folder; `--resume` continues where a stopped run left off.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import keras
import numpy as np

from skinscan_ui.build import augment, cards
from skinscan_ui.build.calibration import fit_temperature, referral_threshold
from skinscan_ui.build.data import DataError, data_hash, dataset, pooled
from skinscan_ui.build.metrics import evaluate, reliability
from skinscan_ui.build.models import REGISTRY, build
from skinscan_ui.build.sources import Source, named
from skinscan_ui.build.training import (
    Batches,
    LogitAdjustedCrossentropy,
    Validation,
    augmenter,
    class_prior,
    class_weights,
    teacher_targets,
)
from skinscan_ui.serve import manifest, paths
from skinscan_ui.serve.calibration import apply_temperature
from skinscan_ui.serve.inference import LOW_CONFIDENCE
from skinscan_ui.serve.labels import CLASSES

IMBALANCE = {
    "weights": "class weights N/(K n_c) in the loss",
    "sqrt-weights": "square-root class weights in the loss",
    "balanced-sampling": "class-balanced sampling (each class drawn equally often)",
    "focal": "focal loss (gamma 2) with square-root class weights as alpha",
    "logit-adjust": "logit-adjusted cross-entropy (tau 1, training class prior)",
    "none": "none (plain cross-entropy)",
}
AUGMENTATION = (
    "flips, rotation 360 deg, zoom -20..+10%, brightness 15%, contrast 20%, hue 4%, "
    "saturation 0.67-1.5x (Keras layers, training only)"
)


def shift_names(text: str) -> tuple[str, ...]:
    """'blur,gamma' -> ('blur', 'gamma'), each one of `augment.SHIFTS`."""
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if not names:
        raise argparse.ArgumentTypeError(f"{text!r}: name shifts from {', '.join(augment.SHIFTS)}")
    try:
        return augment.check(names)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def input_size(text: str) -> tuple[int, int]:
    """'225x300' -> (225, 300): height by width, as the model cards write it."""
    try:
        height, width = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not HEIGHTxWIDTH, e.g. 150x200") from None
    if min(height, width) < 32:
        raise argparse.ArgumentTypeError(f"{text!r} is too small: 32 pixels a side at least")
    return height, width


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, choices=sorted(REGISTRY))
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--resume", action="store_true", help="continue the stopped run in --run-dir")
    p.add_argument("--init", type=Path, help="start from this trained .keras (a warm restart) instead of ImageNet")
    p.add_argument(
        "--size", type=input_size, metavar="HxW", help="input height x width (default: the model's, e.g. 150x200)"
    )
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, help="peak learning rate (default: the model's)")
    p.add_argument("--imbalance", choices=sorted(IMBALANCE), default="sqrt-weights")
    p.add_argument("--patience", type=int, default=4, help="epochs without a better val balanced accuracy")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument(
        "--ema", type=float, metavar="MOMENTUM", help="validate and keep an exponential moving average of the weights"
    )
    p.add_argument("--mixup", type=float, default=0.0, metavar="ALPHA", help="mixup with Beta(ALPHA, ALPHA) shares")
    p.add_argument(
        "--teacher",
        type=Path,
        action="append",
        help="distil from this trained .keras (repeat for an ensemble), averaged over flips",
    )
    p.add_argument(
        "--distill", type=float, default=0.5, metavar="ALPHA", help="share of the teacher in the soft labels"
    )
    p.add_argument("--limit", type=int, help="smoke tests: N training images, about N validation and test images")
    p.add_argument(
        "--sources", default="ham10000", help="data sources to train and validate on, e.g. ham10000,isic2017"
    )
    p.add_argument(
        "--acquisition",
        type=shift_names,
        nargs="?",
        const=augment.SHIFTS,
        default=(),
        metavar="SHIFTS",
        help="add dermatoscope-shift augmentations (augment.py): all, or those named, e.g. blur,vignette,gamma",
    )
    p.add_argument(
        "--colour-constancy",
        action="store_true",
        help="a shades-of-grey white balance layer before the backbone (colour.py), part of the shipped model",
    )
    p.add_argument("--jpeg", type=float, default=0.0, metavar="P", help="re-compress each photo as JPEG with chance P")
    p.add_argument("--select", choices=("balanced_accuracy", "log_loss"), default="balanced_accuracy")
    p.add_argument("--data", help="HAM10000 folder (default: $SKINSCAN_DATA or ../shared/data/ham10000)")
    p.add_argument(
        "--imagenet", help="pretrained backbones (default: $SKINSCAN_IMAGENET or ../shared/weights/imagenet)"
    )
    p.add_argument("--run-dir", type=Path, help="checkpoints and log (default: .cache/runs/<model>)")
    p.add_argument("--out", type=Path, default=None, help="where the model and its card go (default: .cache/models)")
    args = p.parse_args(argv)
    args.size = args.size or REGISTRY[args.model].input_size
    return args


def compile_for(model: keras.Model, args: argparse.Namespace, steps: int, y: np.ndarray) -> keras.Model:
    """The training model: augmentation in front of the network, loss and schedule chosen by the flags."""
    spec = REGISTRY[args.model]
    trainer = keras.Sequential(
        [keras.Input((*args.size, 3)), augmenter(args.seed, args.acquisition), model], name="trainer"
    )
    peak = args.lr or spec.lr
    total = max(steps * args.epochs, 2)
    warmup = min(steps, total // 2)
    schedule = keras.optimizers.schedules.CosineDecay(
        1e-6, total - warmup, alpha=0.01, warmup_target=peak, warmup_steps=warmup
    )
    if args.imbalance == "focal":
        alpha = list(class_weights(y, 0.5).values())
        loss = keras.losses.CategoricalFocalCrossentropy(alpha=alpha, gamma=2.0)
    elif args.imbalance == "logit-adjust":
        loss = LogitAdjustedCrossentropy(class_prior(y), tau=1.0, label_smoothing=0.05)
    else:
        loss = keras.losses.CategoricalCrossentropy(label_smoothing=0.05)
    trainer.compile(
        optimizer=keras.optimizers.AdamW(
            schedule, weight_decay=1e-4, use_ema=args.ema is not None, ema_momentum=args.ema or 0.99
        ),
        loss=loss,
        metrics=[keras.metrics.CategoricalAccuracy(name="acc")],
    )
    return trainer


def soft_labels(args: argparse.Namespace, folder: Path, y: np.ndarray, run_dir: Path) -> np.ndarray:
    """(1 - alpha) one-hot + alpha teacher, the teacher's part cached in the run folder for --resume.

    Each teacher sees the training photos at its own input size, so a larger network can teach a smaller one.
    """
    cache = run_dir / "teacher_targets.npy"
    if cache.is_file():
        teacher = np.load(cache)
    else:
        print(f"teacher: {', '.join(map(str, args.teacher))}, 4 flips each", flush=True)
        shares = []
        for path in args.teacher:
            net = keras.models.load_model(path, compile=False)
            x, _, _ = dataset(folder, "train", tuple(net.input_shape[1:3]))
            shares.append(teacher_targets([net], x[: len(y)]))  # --limit keeps the first len(y) photos
        teacher = np.mean(shares, axis=0)
        np.save(cache, teacher)
    return (1 - args.distill) * keras.utils.to_categorical(y, len(CLASSES)) + args.distill * teacher


def ms_per_image(model: keras.Model, size: tuple[int, int]) -> float:
    """Median latency of one compiled forward pass on one image."""
    x = np.random.default_rng(0).integers(0, 255, (1, *size, 3)).astype("float32")
    for _ in range(3):
        model.predict_on_batch(x)
    times = []
    for _ in range(20):
        t = time.perf_counter()
        model.predict_on_batch(x)
        times.append(time.perf_counter() - t)
    return float(np.median(times) * 1000)


def even_sample(x: np.ndarray, y: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """About `limit` photos spread over the whole part, so a smoke run still sees most classes."""
    step = max(1, len(y) // limit)
    return x[::step], y[::step]


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    spec = REGISTRY[args.model]
    run_dir = args.run_dir or paths.CACHE_DIR / "runs" / args.model
    if not args.resume and run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    folder = paths.data_dir(args.data)
    try:
        sources = [(s, folder if s.name == "ham10000" else s.folder()) for s in named(args.sources)]
        x_train, y_train, _ = pooled(sources, "train", args.size)
        x_val, y_val, _ = pooled(sources, "val", args.size)
        x_test, y_test, test_rows = pooled(sources, "test", args.size)
    except (DataError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.limit:  # smoke runs: a slice of training, an even sample of validation and test
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]
        x_val, y_val = even_sample(x_val, y_val, args.limit)
        x_test, y_test = even_sample(x_test, y_test, args.limit)
    if args.colour_constancy and args.model == "skinscan":
        print("error: --colour-constancy is for the transfer models", file=sys.stderr)
        return 2
    kwargs = (
        {"backbone_dir": args.imagenet, "colour_constancy": args.colour_constancy} if args.model != "skinscan" else {}
    )
    try:
        model = build(args.model, input_size=args.size, **kwargs)
        if args.init:
            model.set_weights(keras.models.load_model(args.init, compile=False).get_weights())
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    weights = {"weights": class_weights(y_train, 1.0), "sqrt-weights": class_weights(y_train, 0.5)}.get(args.imbalance)
    sampling = "balanced" if args.imbalance == "balanced-sampling" else "shuffle"
    targets = soft_labels(args, folder, y_train, run_dir) if args.teacher else None
    batches = Batches(x_train, y_train, args.batch_size, sampling, args.seed, weights, args.mixup, targets, args.jpeg)
    trainer = compile_for(model, args, len(batches), y_train)
    validation = Validation(model, x_val, y_val, run_dir, args.patience, args.select)
    # Order matters: the backup holds the raw weights, then the EMA weights are swapped in to be validated.
    callbacks = [
        keras.callbacks.BackupAndRestore(str(run_dir / "backup"), double_checkpoint=True),  # survives a kill mid-save
        *([keras.callbacks.SwapEMAWeights(swap_on_epoch=True)] if args.ema else []),
        validation,
        keras.callbacks.CSVLogger(str(run_dir / "log.csv"), append=args.resume),
    ]
    print(
        f"training {args.model} on {len(y_train)} images, validating on {len(y_val)}; run folder {run_dir}", flush=True
    )
    trainer.fit(batches, epochs=args.epochs, callbacks=callbacks, verbose=1)

    best = keras.models.load_model(run_dir / "best.keras", compile=False)
    test_source = test_rows["source"].to_numpy()[: len(y_test)] if not args.limit else None
    training = {
        "command": "python -m skinscan_ui.build.train " + " ".join(argv if argv is not None else sys.argv[1:]),
        "epochs": validation.state["epochs"],
        "best_epoch": validation.state["best_epoch"],
        "wall_seconds": validation.state["seconds"],
        "hardware": cards.this_machine(),
        "imbalance": IMBALANCE[args.imbalance],
        **(
            {
                "distillation": f"soft labels {1 - args.distill:g} x one-hot + {args.distill:g} x the mean "
                "softmax over 4 flips of "
                + ", ".join(f"{paths.relative(t)} (sha256 {manifest.sha256(t)[:16]})" for t in args.teacher)
            }
            if args.teacher
            else {}
        ),
        "augmentation": augmentation_text(args.acquisition)
        + (f"; mixup, Beta({args.mixup}, {args.mixup})" if args.mixup else "")
        + (f"; JPEG re-compression (quality 30-90) with chance {args.jpeg}" if args.jpeg else ""),
        "optimizer": f"AdamW (weight decay 1e-4), cosine decay with 1 warm-up epoch to peak lr {args.lr or spec.lr}, "
        f"batch {args.batch_size}, label smoothing 0.05 (cross-entropy runs)"
        + (f", EMA of the weights (momentum {args.ema}) validated and kept" if args.ema else ""),
        "seed": args.seed,
    }
    finish(
        best,
        args.model,
        sources,
        (x_val, y_val),
        (x_test, y_test, test_source),
        training,
        args.out or paths.CACHE_DIR / "models",
        len(y_train),
        colour_constancy=args.colour_constancy,
    )
    return 0


def augmentation_text(acquisition: tuple[str, ...]) -> str:
    """The augmentations a model was trained with, as its card says them."""
    shifts = "; acquisition shift: " + ", ".join(augment.DESCRIPTIONS[n] for n in acquisition) if acquisition else ""
    return AUGMENTATION + shifts


def finish(
    best: keras.Model,
    name: str,
    sources: list[tuple[Source, Path]],
    val: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray, np.ndarray | None],
    training: dict,
    out: Path,
    train_images: int,
    colour_constancy: bool = False,
) -> dict:
    """Calibrate a trained network on validation, measure it on test (per source), and ship it with its card.

    `training` says how it was trained (command, epochs, hardware, ...); the data and split fields are added here.
    """
    x_val, y_val = val
    x_test, y_test, test_source = test
    spec = REGISTRY[name]
    size = tuple(best.input_shape[1:3])
    raw_val = best.predict(x_val, batch_size=64, verbose=0)
    temperature = fit_temperature(raw_val, y_val)
    p_val = apply_temperature(raw_val, temperature)
    threshold = referral_threshold(p_val, y_val, 0.85)
    p_test = apply_temperature(best.predict(x_test, batch_size=64, verbose=0), temperature)
    test_metrics = evaluate(y_test, p_test, threshold)

    out.mkdir(parents=True, exist_ok=True)
    model_path = out / f"{name}.keras"
    best.save(model_path)
    trained_on = " and ".join(s.name for s, _ in sources)
    card = {
        "name": name,
        "summary": (
            best.name + " fine-tuned from ImageNet"
            if name != "skinscan"
            else "The SkinScan network, a compact ResNet-style CNN trained from scratch"
        )
        + f" on {trained_on}.",
        "architecture": {
            "skinscan": "Conv3x3/32 s2, Conv3x3/64, SepConv3x3/128 (BN+ReLU each); bottlenecks "
            "64->128 s2, 128->256 s2, 256->512 with projection shortcuts; GAP; dropout; softmax",
            "efficientnet_lite0": "EfficientNet-Lite0 backbone (ImageNet) + GAP + dropout + softmax",
            "efficientnet_lite2": "EfficientNet-Lite2 backbone (ImageNet) + GAP + dropout + softmax",
        }[name]
        + (" (shades-of-grey white balance, p=6, before the backbone)" if colour_constancy else ""),
        "classes": list(CLASSES),
        "input_size": list(size),
        "last_conv": spec.last_conv,
        "parameters": int(best.count_params()),
        "flops": 2 * cards.count_macs(best),
        "file_bytes": model_path.stat().st_size,
        "sha256": manifest.sha256(model_path),
        "temperature": temperature,
        "referral_threshold": threshold,
        "low_confidence": LOW_CONFIDENCE,
        "ms_per_image": ms_per_image(best, size),
        "val_metrics": evaluate(y_val, p_val, threshold),
        "test_metrics": test_metrics,
        "test_reliability": reliability(y_test, p_test),
        **(
            {
                "metrics_by_source": {
                    "test": {
                        s.name: evaluate(y_test[test_source == s.name], p_test[test_source == s.name], threshold)
                        for s, _ in sources
                    }
                }
            }
            if test_source is not None and len(sources) > 1
            else {}
        ),
        "training": {
            **training,
            "data_sha256": data_hash(sources[0][1], sources[0][0]),
            "sources": {s.name: data_hash(f, s) for s, f in sources} if len(sources) > 1 else None,
            "split_file": paths.relative(paths.SPLIT_CSV),
            "split_seed": 2018,
            "split_sizes": {"train": train_images, "val": len(y_val), "test": len(y_test)},
            "keras": keras.__version__,
            "backend": training.get("backend", keras.backend.backend()),
        },
        "citation": [s.citation for s, _ in sources],
        "licence": "; ".join(f"{s.name}: {s.licence}" for s, _ in sources),
    }
    cards.confusion_plot(
        test_metrics["confusion_matrix"]["matrix"],
        out / f"{name}_confusion.png",
        f"{name}: test split (n={len(y_test)})",
    )
    cards.reliability_plot(card["test_reliability"], out / f"{name}_reliability.png", f"{name}: calibrated, test split")
    cards.write(card, out)
    print(
        f"shipped {model_path}: test balanced accuracy {test_metrics['balanced_accuracy']:.4f}, "
        f"accuracy {test_metrics['accuracy']:.4f}, melanoma AUC {test_metrics['melanoma_auc']}"
    )
    return card


if __name__ == "__main__":
    raise SystemExit(main())
