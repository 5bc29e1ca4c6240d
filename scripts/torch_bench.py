"""The same-GPU yardstick for `npm run bench`: times the bench's configs (bench/configs.ts) in PyTorch,
nn.RNN/GRU/LSTM + nn.Linear + Adam (lr 1e-3), one-hot inputs, cross-entropy over every step: the model
rnnlab trains, on cuDNN, in float32 with TF32 off and (on a GPU) with it on. Prints one JSON line per
config and precision: {"config", "device", "tf32", "ms_per_step", "steps", "loss_first", "loss_last"}.
Run from the repository root (bench/main.ts --torch runs it in the same sitting):

    python3 scripts/torch_bench.py [--configs tiny,small-lstm] [--device cuda|cpu] [--min-ms 2000] [--list]
"""
import argparse, json, sys, time

# bench/configs.ts's sizes and cells (bench/torchBench.test.ts holds the two to each other).
SIZES = {"tiny": (32, 32, 32, 16), "small": (65, 128, 64, 32), "large": (65, 512, 128, 64)}  # V, H, T, B
CELLS = ["rnn", "gru", "lstm"]


def configs():
    return [
        {"name": size if cell == "rnn" else f"{size}-{cell}", "cell": cell, "V": V, "H": H, "T": T, "B": B}
        for size, (V, H, T, B) in SIZES.items()
        for cell in CELLS
    ]


def bench(torch, c, device, tf32, min_ms, max_steps):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    torch.manual_seed(1)
    rnn = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[c["cell"]]
    model = torch.nn.ModuleDict({"rnn": rnn(c["V"], c["H"]), "head": torch.nn.Linear(c["H"], c["V"])}).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(0)
    # Four batches cycled, as the bench does: time-major [T, B] token ids and next-token targets.
    batches = []
    for _ in range(4):
        ids = torch.randint(0, c["V"], (c["T"] + 1, c["B"]), generator=g)
        x = torch.nn.functional.one_hot(ids[:-1], c["V"]).float().to(device)
        batches.append((x, ids[1:].reshape(-1).to(device)))

    def step(i):
        x, y = batches[i % 4]
        opt.zero_grad(set_to_none=True)
        h, _ = model["rnn"](x)
        loss = torch.nn.functional.cross_entropy(model["head"](h).reshape(-1, c["V"]), y)
        loss.backward()
        opt.step()
        return loss

    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    first = float(step(0))
    for i in range(1, 3):
        step(i)
    sync()
    losses, n, start = [], 0, time.perf_counter()
    while n < 3 or ((time.perf_counter() - start) * 1000 < min_ms and n < max_steps):
        losses.append(step(n))
        n += 1
    sync()
    ms = (time.perf_counter() - start) * 1000 / n
    return {"config": c["name"], "device": device, "tf32": tf32, "ms_per_step": ms, "steps": n, "loss_first": first, "loss_last": float(losses[-1])}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--configs", default="", help="comma-separated config names (default: all)")
    p.add_argument("--device", default=None, help="cuda or cpu (default: cuda when available)")
    p.add_argument("--min-ms", type=float, default=2000, help="time each config at least this long (ms)")
    p.add_argument("--max-steps", type=int, default=200)
    p.add_argument("--list", action="store_true", help="print the configs as JSON and exit (needs no torch)")
    a = p.parse_args()
    all_configs = configs()
    if a.list:
        print(json.dumps(all_configs))
        return 0
    names = [n for n in a.configs.split(",") if n]
    unknown = [n for n in names if n not in {c["name"] for c in all_configs}]
    if unknown:
        print(f"torch_bench: unknown config(s) {', '.join(unknown)}", file=sys.stderr)
        return 2
    import torch

    device = a.device or ("cuda" if torch.cuda.is_available() else "cpu")
    chosen = [c for c in all_configs if not names or c["name"] in names]
    # TF32 only changes matmuls on NVIDIA GPUs since Ampere; on a CPU both rows would be the same run.
    for c in chosen:
        for tf32 in [False, True] if device.startswith("cuda") else [False]:
            print(json.dumps(bench(torch, c, device, tf32, a.min_ms, a.max_steps)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
