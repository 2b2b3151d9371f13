"""Train a plan's networks on a lent GPU in one call, each inside a time budget.

    KERAS_BACKEND=jax python -m skinscan_ui.build.gpu_run --pack .gpu_pack --out $OUT [--plan first] [--budget 500]

Runs from the pack (`gpu_pack`; its `code/` on PYTHONPATH). The photos are decoded once on every
core into uint8 arrays at each network's input size (`images.prepare`, as served); then the plan's
networks train side by side, one process each, on the one GPU: photos kept as uint8 on the device,
augmented there by the project's own Keras layers (`training.augmenter`, with every acquisition
shift), bf16 mixed precision, AdamW on class-weighted cross-entropy, one compiled step per network.
Each network measures its epochs and fits its cosine schedule to the time left, so every one ends
inside the budget. After every epoch each writes `<name>.npz` to --out: the weights of its epoch of
lowest pooled validation log loss (float16, in `get_weights()` order) and its log as JSON (epochs,
images/s, learning rate, validation figures per source). `gpu_import` turns them into models here.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from PIL import Image

from skinscan_ui.build.augment import SHIFTS
from skinscan_ui.serve.images import prepare


@dataclass(frozen=True)
class Net:
    """One network of a plan."""

    name: str
    model: str  # a `models.REGISTRY` name
    size: tuple[int, int]  # (height, width)
    seed: int
    lr: float  # peak learning rate
    batch: int
    max_epochs: int
    weight_decay: float
    acquisition: tuple[str, ...] = SHIFTS
    policy: str = "mixed_bfloat16"  # Keras dtype policy while training; validation is always float32


PLANS: dict[str, tuple[Net, ...]] = {
    # Issue 33's first run: Lite0 (two seeds) and Lite2 fine-tuned from ImageNet at 1.5x HAM10000's
    # 150x200, and the seed's SkinScan network from scratch at 224x224.
    "first": (
        Net("lite0_a", "efficientnet_lite0", (225, 300), 1, 8e-4, 128, 30, 0.02),
        Net("lite0_b", "efficientnet_lite0", (225, 300), 2, 8e-4, 128, 30, 0.02),
        Net("lite2", "efficientnet_lite2", (225, 300), 3, 6e-4, 128, 25, 0.02),
        # float32 (TF32 on the GPU): under bf16, XLA's CPU build (JAX 0.11.2) gave this network NaN
        # outputs in compiled inference, and it is cheap enough not to need bf16.
        Net("skinscan", "skinscan", (224, 224), 4, 2e-3, 128, 80, 0.05, policy="float32"),
    ),
    # The dry run (tests): every kind of network for one short epoch at a small size.
    "tiny": (
        Net("lite0_tiny", "efficientnet_lite0", (64, 80), 1, 1e-3, 8, 1, 0.02, ("blur", "gamma")),
        Net("skinscan_tiny", "skinscan", (64, 64), 2, 1e-3, 8, 2, 0.05, ("vignette",), "float32"),
    ),
}
SOURCES = ("ham10000", "isic2017", "pad_ufes20")
PARTS = ("train", "val")
LABEL_SMOOTHING = 0.05
VAL_BATCH = 256


def _decode(job: tuple[bytes, tuple[int, int]]) -> np.ndarray:
    blob, size = job
    return prepare(Image.open(io.BytesIO(blob)).convert("RGB"), size)


def decode_pack(pack: Path, sizes: set[tuple[int, int]], work: Path) -> None:
    """`<h>x<w>_<part>_{x,y,source}.npy` in `work` for every size: the pack's photos as the networks see them."""
    with Pool(os.cpu_count()) as pool:
        for size in sizes:
            for part in PARTS:
                xs, ys, src = [], [], []
                for source in SOURCES:
                    index = json.loads((pack / "data" / f"{source}_{part}.json").read_text())
                    data = (pack / "data" / f"{source}_{part}.bin").read_bytes()
                    off = index["offsets"]
                    jobs = [(data[off[i] : off[i + 1]], size) for i in range(len(off) - 1)]
                    xs.append(np.stack(pool.map(_decode, jobs, chunksize=64)))
                    ys.append(np.asarray(index["y"], np.int32))
                    src += [source] * len(jobs)
                stem = work / f"{size[0]}x{size[1]}_{part}"
                np.save(f"{stem}_x.npy", np.concatenate(xs))
                np.save(f"{stem}_y.npy", np.concatenate(ys))
                np.save(f"{stem}_source.npy", np.asarray(src))


def backbone_file(pack: Path, name: str, folder: Path) -> None:
    """The ImageNet backbone rebuilt as the `.keras` file `models` loads, from the pack's JSON and float16 weights."""
    import keras

    model = keras.models.model_from_json((pack / "backbones" / f"{name}.json").read_text())
    with np.load(pack / "backbones" / f"{name}.npz") as f:
        model.set_weights([f[f"arr_{i}"].astype(np.float32) for i in range(len(f.files))])
    folder.mkdir(parents=True, exist_ok=True)
    model.save(folder / f"{name}_imagenet_notop.keras")


def figures(probs: np.ndarray, y: np.ndarray, source: np.ndarray) -> dict[str, dict[str, float]]:
    """Validation log loss, balanced accuracy, accuracy and melanoma AUC, pooled and per source."""
    from skinscan_ui.build.metrics import headline

    out = {"pooled": headline(y, probs)}
    for s in SOURCES:
        mask = source == s
        if mask.any():
            out[s] = headline(y[mask], probs[mask])
    return {k: {m: round(v, 4) for m, v in f.items()} for k, f in out.items()}


def learning_rate(step: int, warmup: int, total: int, peak: float) -> float:
    """Linear warm-up over the first epoch, then cosine decay to 1% of the peak at step `total`."""
    if step < warmup:
        return peak * (0.01 + 0.99 * step / warmup)
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (0.01 + 0.99 * 0.5 * (1 + np.cos(np.pi * progress)))


def as_stored(weights: list[np.ndarray]) -> list[np.ndarray]:
    """float16 where it holds the values (every weight of these networks does), float32 otherwise."""
    return [w.astype(np.float16) if np.abs(w).max(initial=0) < 6e4 else w.astype(np.float32) for w in weights]


def train_one(net: Net, pack: Path, work: Path, out: Path, deadline: float) -> None:
    """Train `net` until its epochs are done or the next one would end after `deadline`."""
    import warnings

    import jax
    import jax.numpy as jnp
    import keras

    from skinscan_ui.build.models import build
    from skinscan_ui.build.training import augmenter, class_weights

    warnings.filterwarnings("ignore", module="sklearn")  # a class missing from a small validation part
    started = time.time()

    def say(text: str) -> None:
        print(f"[{net.name} {time.time() - started:6.1f}s] {text}", flush=True)

    kwargs = {}
    if net.model != "skinscan":
        backbone_file(pack, net.model, work / f"imagenet_{net.name}")
        kwargs["backbone_dir"] = work / f"imagenet_{net.name}"
    stem = work / f"{net.size[0]}x{net.size[1]}"
    y_train = np.load(f"{stem}_train_y.npy")
    x_train = jax.device_put(np.load(f"{stem}_train_x.npy"))
    x_val, y_val = np.load(f"{stem}_val_x.npy"), np.load(f"{stem}_val_y.npy")
    source_val = np.load(f"{stem}_val_source.npy")

    keras.utils.set_random_seed(net.seed)
    augment = augmenter(net.seed, net.acquisition)
    keras.config.set_dtype_policy(net.policy)
    model = build(net.model, input_size=net.size, **kwargs)
    keras.config.set_dtype_policy("float32")
    evaluator = build(net.model, input_size=net.size, **kwargs)  # the same network in float32, as served
    trainer = keras.Sequential([keras.Input((*net.size, 3)), augment, model], name="trainer")
    optimizer = keras.optimizers.AdamW(net.lr, weight_decay=net.weight_decay)
    optimizer.exclude_from_weight_decay(var_names=["gamma", "beta", "bias"])
    optimizer.build(trainer.trainable_variables)
    lr_index = [v.path.endswith("learning_rate") for v in optimizer.variables].index(True)

    weights = class_weights(y_train, 1.0)
    class_w = jnp.asarray([weights[i] for i in range(len(weights))], jnp.float32)
    y_train_dev = jax.device_put(y_train)
    k = len(weights)

    def loss_fn(trainable, non_trainable, x, y):
        probs, non_trainable = trainer.stateless_call(trainable, non_trainable, x, training=True)
        target = jax.nn.one_hot(y, k) * (1 - LABEL_SMOOTHING) + LABEL_SMOOTHING / k
        ce = -jnp.sum(target * jnp.log(jnp.clip(probs.astype(jnp.float32), 1e-7, 1.0)), axis=-1)
        return jnp.mean(ce * class_w[y]), non_trainable

    grad_fn = jax.value_and_grad(loss_fn, has_aux=True)

    def train_step(state, images, labels, idx, lr):
        trainable, non_trainable, opt_vars = state
        x = jnp.take(images, idx, axis=0).astype(jnp.float32)
        (loss, new_non_trainable), grads = grad_fn(trainable, non_trainable, x, jnp.take(labels, idx))
        opt_vars = [lr if i == lr_index else v for i, v in enumerate(opt_vars)]
        new_trainable, new_opt_vars = optimizer.stateless_apply(opt_vars, grads, trainable)
        # a step whose loss is not finite changes nothing (and is counted), so one bad batch cannot poison the run
        ok = jnp.isfinite(loss)

        def keep(new, old):
            return jax.tree.map(lambda a, b: jnp.where(ok, a, b), new, old)

        state = (keep(new_trainable, trainable), keep(new_non_trainable, non_trainable), keep(new_opt_vars, opt_vars))
        return state, loss

    train_step = jax.jit(train_step, donate_argnums=(0,))
    t_ids = {id(v): i for i, v in enumerate(trainer.trainable_variables)}
    n_ids = {id(v): i for i, v in enumerate(trainer.non_trainable_variables)}
    model_t = [t_ids[id(v)] for v in model.trainable_variables]
    model_n = [n_ids[id(v)] for v in model.non_trainable_variables]

    @jax.jit
    def predict(trainable, non_trainable, images):
        tv, ntv = [trainable[i] for i in model_t], [non_trainable[i] for i in model_n]
        probs, _ = evaluator.stateless_call(tv, ntv, images.astype(jnp.float32), training=False)
        return probs.astype(jnp.float32)

    def validate(state) -> np.ndarray:
        n = len(y_val)
        padded = np.concatenate([x_val, np.zeros((-n % VAL_BATCH, *x_val.shape[1:]), np.uint8)])
        parts = [predict(state[0], state[1], padded[i : i + VAL_BATCH]) for i in range(0, len(padded), VAL_BATCH)]
        return np.concatenate([np.asarray(p) for p in parts])[:n]

    def weights_of(state) -> list[np.ndarray]:
        for v, value in zip(trainer.trainable_variables, state[0], strict=True):
            v.assign(value)
        for v, value in zip(trainer.non_trainable_variables, state[1], strict=True):
            v.assign(value)
        return as_stored(model.get_weights())

    state = (
        [v.value for v in trainer.trainable_variables],
        [v.value for v in trainer.non_trainable_variables],
        [v.value for v in optimizer.variables],
    )
    steps = len(y_train) // net.batch
    rng = np.random.default_rng(net.seed)
    log: dict = {"net": asdict(net), "device": str(jax.devices()[0]), "train_images": len(y_train), "epochs": []}
    best, best_weights, planned, epoch_seconds = None, None, net.max_epochs, None
    say(f"{len(y_train)} training photos at {net.size}, {steps} steps of {net.batch} an epoch")
    for epoch in range(net.max_epochs):
        t0 = time.time()
        order = rng.permutation(len(y_train))
        losses, first_step = [], None
        for s in range(steps):
            step = epoch * steps + s
            lr = jnp.float32(learning_rate(step, steps, planned * steps, net.lr))
            idx = jnp.asarray(order[s * net.batch : (s + 1) * net.batch])
            state, loss = train_step(state, x_train, y_train_dev, idx, lr)
            losses.append(loss)
            if first_step is None:
                loss.block_until_ready()
                first_step = time.time() - t0  # the compilation, in the first epoch
        values = np.array([float(v) for v in losses])
        skipped = int((~np.isfinite(values)).sum())
        train_loss = float(np.mean(values[np.isfinite(values)])) if skipped < len(values) else float("nan")
        t_train = time.time() - t0
        probs = validate(state)
        val = figures(probs, y_val, source_val)
        seconds = time.time() - t0
        # this epoch's images/s without the first step (compilation, in the first epoch)
        rate = (steps - 1) * net.batch / max(1e-6, t_train - first_step) if steps > 1 else steps * net.batch / t_train
        per_epoch = steps * net.batch / rate + (seconds - t_train)
        epoch_seconds = per_epoch if epoch_seconds is None else 0.5 * (epoch_seconds + per_epoch)
        improved = best is None or val["pooled"]["log_loss"] < best
        if improved:
            best, best_weights = val["pooled"]["log_loss"], weights_of(state)
        log["epochs"].append(
            {
                "epoch": epoch + 1,
                "seconds": round(seconds, 2),
                "first_step_seconds": round(first_step, 2),
                "images_per_second": round(rate, 1),
                "lr": float(lr),
                "train_loss": round(train_loss, 4),
                "skipped_steps": skipped,
                "val": val,
            }
        )
        log["best_epoch"] = next(e["epoch"] for e in log["epochs"] if e["val"]["pooled"]["log_loss"] == best)
        left = int((deadline - time.time()) // epoch_seconds)
        planned = min(net.max_epochs, epoch + 1 + max(0, left))
        log["planned_epochs"] = planned
        log["wall_seconds"] = round(time.time() - started, 1)
        tmp = out / f".{net.name}.tmp.npz"
        np.savez(tmp, *best_weights, log=np.asarray(json.dumps(log)))
        os.replace(tmp, out / f"{net.name}.npz")
        say(
            f"epoch {epoch + 1}/{planned}: {seconds:.1f}s, {rate:.0f} img/s, lr {float(lr):.2e}, "
            f"loss {train_loss:.4f}, "
            f"val log loss {val['pooled']['log_loss']:.4f} bal. acc. {val['pooled']['balanced_accuracy']:.3f}"
            + (" (best)" if improved else "")
        )
        if epoch + 1 >= planned:
            break
    say(f"done: best epoch {log['best_epoch']}, val log loss {best:.4f}")


def summary(out: Path, plan: tuple[Net, ...]) -> str:
    """One line per network from the logs it wrote."""
    lines = [
        f"{'net':10} {'epochs':>6} {'best':>4} {'img/s':>7} {'val LL':>7} {'bal.acc':>7}"
        "  per source (bal. acc. / mel AUC)"
    ]
    for net in plan:
        path = out / f"{net.name}.npz"
        if not path.is_file():
            lines.append(f"{net.name:10} wrote nothing")
            continue
        with np.load(path) as f:
            log = json.loads(str(f["log"]))
        best = log["epochs"][log["best_epoch"] - 1]
        rate = np.median([e["images_per_second"] for e in log["epochs"]])
        per = "  ".join(
            f"{s} {v['balanced_accuracy']:.3f}/{v['melanoma_auc']:.3f}" for s, v in best["val"].items() if s != "pooled"
        )
        lines.append(
            f"{net.name:10} {len(log['epochs']):>6} {log['best_epoch']:>4} {rate:>7.0f} "
            f"{best['val']['pooled']['log_loss']:>7.4f} {best['val']['pooled']['balanced_accuracy']:>7.3f}  {per}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pack", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--plan", choices=sorted(PLANS), default="first")
    parser.add_argument("--budget", type=float, default=500, help="seconds from start by which every network ends")
    parser.add_argument("--work", type=Path, default=Path("/tmp/skinscan_gpu_run"))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--deadline", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    plan = PLANS[args.plan]
    if args.worker:
        net = next(n for n in plan if n.name == args.worker)
        train_one(net, args.pack.resolve(), args.work, args.out, args.deadline)
        return 0

    started = time.time()
    args.out.mkdir(parents=True, exist_ok=True)
    args.work.mkdir(parents=True, exist_ok=True)
    decode_pack(args.pack, {n.size for n in plan}, args.work)
    print(f"decoded the pack in {time.time() - started:.1f}s on {os.cpu_count()} cores", flush=True)
    deadline = started + args.budget
    env = {**os.environ, "KERAS_BACKEND": "jax", "XLA_PYTHON_CLIENT_PREALLOCATE": "false"}
    workers = {
        net.name: subprocess.Popen(
            [sys.executable, "-m", "skinscan_ui.build.gpu_run", "--pack", str(args.pack), "--out", str(args.out)]
            + ["--plan", args.plan, "--work", str(args.work), "--worker", net.name, "--deadline", str(deadline)],
            env=env,
        )
        for net in plan
    }
    failed = []
    for name, proc in workers.items():
        try:
            code = proc.wait(timeout=max(1.0, deadline + 60 - time.time()))
        except subprocess.TimeoutExpired:
            proc.kill()
            code = "killed at the deadline"
        if code != 0:
            failed.append(f"{name}: {code}")
    print(summary(args.out, plan), flush=True)
    print(f"wall {time.time() - started:.1f}s" + (f"; failed: {', '.join(failed)}" if failed else ""), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
