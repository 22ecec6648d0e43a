#!/usr/bin/env python3
"""One training step (forward + backward + SGD update, float32) of the three workloads of
`benches/train.rs`, timed in JAX (jit), numpy (backward written by hand) and PyTorch (when
installed), single-threaded, interleaved with the Rust benches, written as one table.

    | workload                         | batch | loss                           |
    | MLP 784-256-256-10, ReLU         | 64    | cross-entropy over 10 classes  |
    | 50 layers of 64, tanh            | 32    | cross-entropy over 64 classes  |
    | 2-16-16-1, tanh                  | 32    | mean squared error             |

No activation after the last layer; SGD with learning rate 1e-3, as the Rust benches.

Not run in CI. Usage (from the repository root):

    /path/to/venv/bin/python benches/peers/train_peers.py --rounds 3 --rust

`--rust` runs `cargo bench --bench train` once per round, between the Python timings, and reads
criterion's median estimates from `target/criterion/`; each cell of the table is the median over
the rounds. Single thread everywhere: XLA and the BLAS libraries are told so below, before they
are imported; torch through `torch.set_num_threads(1)`. Those settings are not enough for JAX
0.10 (its CPU runtime still ran the MLP step on 1.57 cores), so the whole process, and the Rust
bench it starts, is also pinned to one core (`--cpu`, default the last core this process may
use), and each peer's CPU time is measured beside its wall time to show it.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

os.environ["XLA_FLAGS"] = (
    "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import numpy as np  # noqa: E402

LR = 1e-3

WORKLOADS = [
    # (name as in the table, criterion group, widths, batch, activation)
    ("MLP 784-256-256-10 ReLU, batch 64", "train_mlp_784_256_256_10",
     [784, 256, 256, 10], 64, "relu"),
    ("50 layers × 64 tanh, batch 32", "train_deep_50x64", [64] * 51, 32, "tanh"),
    ("2-16-16-1 tanh, batch 32", "train_small_2_16_16_1", [2, 16, 16, 1], 32, "tanh"),
]


def make_workload(widths, batch):
    """Glorot-uniform weights [in, out], small biases, inputs, targets (float32)."""
    rng = np.random.default_rng(7)
    layers = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        scale = np.sqrt(6.0 / (fan_in + fan_out))
        w = rng.uniform(-scale, scale, (fan_in, fan_out)).astype(np.float32)
        b = rng.uniform(-0.1, 0.1, fan_out).astype(np.float32)
        layers.append((w, b))
    x = rng.uniform(-1, 1, (batch, widths[0])).astype(np.float32)
    if widths[-1] == 1:
        y = rng.uniform(-1, 1, (batch, 1)).astype(np.float32)
    else:
        y = np.array([(i * 7 + 3) % widths[-1] for i in range(batch)])
    return layers, x, y


def time_steps(step, seconds=0.6, blocks=5):
    """The median time of one call of `step`, over `blocks` blocks of about `seconds` / blocks,
    and the CPU time ÷ wall time of all the blocks (above 1 when a peer uses a second core)."""
    for _ in range(10):
        step()
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < 0.1:
        step()
        n += 1
    per_block = max(1, int(n * seconds / blocks / 0.1))
    times = []
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for _ in range(blocks):
        t0 = time.perf_counter()
        for _ in range(per_block):
            step()
        times.append((time.perf_counter() - t0) / per_block)
    cores = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
    return statistics.median(times), cores


# ------------------------------------------------------------------------------------------------
# numpy, backward by hand
# ------------------------------------------------------------------------------------------------

def numpy_stepper(widths, batch, activation):
    layers, x, y = make_workload(widths, batch)
    params = [(w.copy(), b.copy()) for w, b in layers]
    classes = widths[-1] > 1

    def step():
        hs, zs = [x], []
        h = x
        for i, (w, b) in enumerate(params):
            z = h @ w + b
            zs.append(z)
            if i + 1 < len(params):
                h = np.maximum(z, 0) if activation == "relu" else np.tanh(z)
                hs.append(h)
            else:
                h = z
        if classes:
            m = h.max(axis=1, keepdims=True)
            e = np.exp(h - m)
            p = e / e.sum(axis=1, keepdims=True)
            g = p
            g[np.arange(batch), y] -= 1.0
            g /= batch
        else:
            g = 2.0 * (h - y) / h.size
        for i in range(len(params) - 1, -1, -1):
            w, b = params[i]
            gw = hs[i].T @ g
            gb = g.sum(axis=0)
            if i > 0:
                g = g @ w.T
                if activation == "relu":
                    g = g * (zs[i - 1] > 0)
                else:
                    g = g * (1.0 - hs[i] * hs[i])
            w -= LR * gw
            b -= LR * gb

    return step


# ------------------------------------------------------------------------------------------------
# JAX, jit
# ------------------------------------------------------------------------------------------------

def jax_stepper(widths, batch, activation):
    import jax
    import jax.numpy as jnp

    layers, x, y = make_workload(widths, batch)
    params = [(jnp.asarray(w), jnp.asarray(b)) for w, b in layers]
    x, y = jnp.asarray(x), jnp.asarray(y)
    act = jax.nn.relu if activation == "relu" else jnp.tanh
    classes = widths[-1] > 1

    def loss(params, x, y):
        h = x
        for i, (w, b) in enumerate(params):
            h = h @ w + b
            if i + 1 < len(params):
                h = act(h)
        if classes:
            logp = jax.nn.log_softmax(h, axis=1)
            return -jnp.mean(logp[jnp.arange(batch), y])
        return jnp.mean((h - y) ** 2)

    @jax.jit
    def train(params, x, y):
        grads = jax.grad(loss)(params, x, y)
        return [(w - LR * gw, b - LR * gb) for (w, b), (gw, gb) in zip(params, grads)]

    state = {"params": params}

    def step():
        state["params"] = train(state["params"], x, y)
        jax.block_until_ready(state["params"])

    return step


# ------------------------------------------------------------------------------------------------
# PyTorch, when installed
# ------------------------------------------------------------------------------------------------

def torch_stepper(widths, batch, activation):
    import torch

    torch.set_num_threads(1)
    layers, x, y = make_workload(widths, batch)
    mods = []
    for i, (w, b) in enumerate(layers):
        lin = torch.nn.Linear(w.shape[0], w.shape[1])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w.T.copy()))
            lin.bias.copy_(torch.from_numpy(b))
        mods.append(lin)
        if i + 1 < len(layers):
            mods.append(torch.nn.ReLU() if activation == "relu" else torch.nn.Tanh())
    model = torch.nn.Sequential(*mods)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    x = torch.from_numpy(x)
    if widths[-1] > 1:
        y, loss_fn = torch.from_numpy(y), torch.nn.functional.cross_entropy
    else:
        y, loss_fn = torch.from_numpy(y), torch.nn.functional.mse_loss

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()

    return step


# ------------------------------------------------------------------------------------------------
# Rust, through criterion
# ------------------------------------------------------------------------------------------------

def run_rust(seconds, binary):
    """Runs `cargo bench --bench train` (or the bench executable `binary`, already built) and
    returns {(group, function): median seconds}."""
    if binary:
        cmd = [binary, "--bench"]
    else:
        cmd = ["cargo", "bench", "--bench", "train", "--"]
    cmd += ["--noplot", "--warm-up-time", "1", "--measurement-time", str(seconds)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    out = {}
    for _, group, *_ in WORKLOADS:
        for form in ("raw", "nn"):
            path = os.path.join("target", "criterion", group, form, "new", "estimates.json")
            with open(path) as f:
                out[(group, form)] = json.load(f)["median"]["point_estimate"] * 1e-9
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rust", action="store_true", help="interleave `cargo bench --bench train`")
    ap.add_argument("--rust-seconds", type=int, default=3)
    ap.add_argument("--rust-bin", help="the built bench executable, instead of `cargo bench`")
    ap.add_argument("--cpu", type=int, default=max(os.sched_getaffinity(0)),
                    help="the one core every step runs on (-1: do not pin)")
    args = ap.parse_args()
    if args.cpu >= 0:
        os.sched_setaffinity(0, {args.cpu})

    peers = {"JAX jit": jax_stepper, "numpy by hand": numpy_stepper}
    try:
        import torch  # noqa: F401

        peers["PyTorch"] = torch_stepper
        torch_note = f"PyTorch {torch.__version__}"
    except ImportError:
        torch_note = "PyTorch: not installed, no column"

    steppers = {(name, peer): make(widths, batch, act)
                for name, _, widths, batch, act in WORKLOADS
                for peer, make in peers.items()}
    times, cores = {}, {}
    for r in range(args.rounds):
        if args.rust:
            for (group, form), t in run_rust(args.rust_seconds, args.rust_bin).items():
                times.setdefault((group, form), []).append(t)
        for key, step in steppers.items():
            t, c = time_steps(step)
            times.setdefault(key, []).append(t)
            cores[key] = max(cores.get(key, 0.0), c)
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

    med = {k: statistics.median(v) for k, v in times.items()}
    cols = (["chaintrace raw ops", "chaintrace nn"] if args.rust else []) + list(peers)
    print(f"| workload (ms per step, median of {args.rounds} rounds) | " + " | ".join(cols)
          + (" | nn / raw | nn / JAX | nn / numpy |" if args.rust else " |"))
    print("|---" * (len(cols) + 1 + (3 if args.rust else 0)) + "|")
    for name, group, *_ in WORKLOADS:
        cells = []
        if args.rust:
            cells += [med[(group, "raw")], med[(group, "nn")]]
        cells += [med[(name, peer)] for peer in peers]
        row = f"| {name} | " + " | ".join(f"{t * 1e3:.3f}" for t in cells)
        if args.rust:
            nn = med[(group, "nn")]
            row += (f" | {nn / med[(group, 'raw')]:.2f} | {nn / med[(name, 'JAX jit')]:.2f}"
                    f" | {nn / med[(name, 'numpy by hand')]:.2f}")
        print(row + " |")
    import jax

    pinned = f"pinned to core {args.cpu}" if args.cpu >= 0 else "not pinned"
    print("\nCPU time ÷ wall time, the most of any round: " + ", ".join(
        f"{peer} {max(cores[(name, peer)] for name, *_ in WORKLOADS):.2f}" for peer in peers)
        + f" ({pinned}).")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at the end; JAX {jax.__version__}, "
          f"numpy {np.__version__}; {torch_note}.")


if __name__ == "__main__":
    main()
