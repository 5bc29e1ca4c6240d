"""PyTorch parity: the same weights and batch through torch.nn.{RNN,GRU,LSTM} + Linear (float64, autograd)
and through `rnnlab grad` (the WebGPU engine, float32). Loss and every gradient must agree within 1e-4
of each tensor's max |value|. Needs torch (the safetensors package is used when installed, else the
small reader/writer below):

    python3 scripts/torch_parity.py [--node node] [--cases N] [--bidirectional]

By default it runs N unidirectional cases, then N bidirectional ones; --bidirectional runs only the latter.
"""
import argparse, json, os, struct, subprocess, sys, tempfile
import torch

try:
    from safetensors.torch import load_file, save_file
except ImportError:
    # The safetensors format, for when the package is missing: an 8-byte little-endian header length, a
    # JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}} padded
    # with spaces to a multiple of 8, then the raw little-endian data (offsets count from its start).
    DTYPES = {"I32": torch.int32, "F32": torch.float32, "F64": torch.float64, "I64": torch.int64}  # the reference's dtype order
    assert sys.byteorder == "little", "the safetensors fallback assumes a little-endian machine"

    def load_file(path):
        with open(path, "rb") as f:
            raw = f.read()
        (n,) = struct.unpack("<Q", raw[:8])
        header, data = json.loads(raw[8 : 8 + n]), raw[8 + n :]
        out = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            begin, end = info["data_offsets"]
            dtype = DTYPES[info["dtype"]]
            flat = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
            out[name] = flat.reshape(info["shape"])
        return out

    def save_file(tensors, path, metadata=None):
        # As the reference writer lays a file out: tensors by dtype (I64, F64, F32, I32), then by name, each
        # one's bytes right after the last's; byte for byte the same but for the order of the metadata keys
        # (the reference's follows a hash map, this one's is sorted).
        names = {v: k for k, v in DTYPES.items()}
        rank = {t: i for i, t in enumerate(DTYPES.values())}
        header, chunks, at = ({"__metadata__": dict(sorted(metadata.items()))} if metadata else {}), [], 0
        for name in sorted(tensors, key=lambda n: (-rank[tensors[n].dtype], n)):
            t = tensors[name].detach().cpu().contiguous()
            chunk = bytes(t.reshape(-1).view(torch.uint8).tolist())
            header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [at, at + len(chunk)]}
            chunks.append(chunk)
            at += len(chunk)
        text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
        text += b" " * (-len(text) % 8)
        with open(path, "wb") as f:
            f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


TOL = 1e-4
CLI = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bin", "rnnlab.js")


# The module docs/weights-and-pytorch.md shows, verbatim (scripts/docs.test.ts holds it to this): docs:begin model
class Model(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        size = cfg["input"].get("vocab") or cfg["input"]["features"]
        rnn = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cfg["cell"]]
        extra = {"nonlinearity": cfg["nonlinearity"]} if cfg["cell"] == "rnn" else {}
        bidirectional, H = cfg.get("bidirectional", False), cfg["hidden"]
        self.rnn = rnn(size, H, num_layers=cfg["layers"], batch_first=True, bidirectional=bidirectional, **extra)
        self.head = torch.nn.Linear(2 * H if bidirectional else H, cfg["output"])  # a step's output is [forward; backward]
        self.tokens = cfg["input"]["kind"] == "tokens"
# docs:end model


def torch_loss(model, cfg, batch):
    B, T = len(batch["x"]), len(batch["x"][0])
    lengths = torch.tensor(batch["lengths"])
    x = torch.tensor(batch["x"])
    x = torch.nn.functional.one_hot(x, model.rnn.input_size).double() if model.tokens else x.double()
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    out, hn = model.rnn(packed)
    h, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=T)
    mask = torch.arange(T)[None, :] < lengths[:, None]
    loss = cfg["loss"]
    if loss in ("ce", "mse"):
        logits = model.head(h)[mask]
        if loss == "ce":
            return torch.nn.functional.cross_entropy(logits, torch.tensor(batch["y"])[mask])
        return torch.nn.functional.mse_loss(logits, torch.tensor(batch["y"]).double()[mask])
    hn = hn[0] if cfg["cell"] == "lstm" else hn  # [layers × directions, B, H], the last layer's at the end
    final = torch.cat([hn[-2], hn[-1]], 1) if model.rnn.bidirectional else hn[-1]  # [forward; backward]
    logits = model.head(final)
    if loss == "class":
        return torch.nn.functional.cross_entropy(logits, torch.tensor(batch["y"]))
    return torch.nn.functional.mse_loss(logits, torch.tensor(batch["y"]).double())


def make_case(i, g, bidirectional):
    cell = ["rnn", "gru", "lstm"][i % 3]
    nonlin = "relu" if cell == "rnn" and (i // 6) % 2 else "tanh"  # rnn: tanh L1, tanh L2, relu L1, relu L2, …
    layers = 1 + (i // 3) % 2
    tokens = (i // 6) % 2 == 0
    loss = ["ce", "mse", "class", "regress"][(i // 2) % 4] if not tokens else ["ce", "class"][(i // 2) % 2]
    H = int(torch.randint(3, 40, (1,), generator=g))
    B = int(torch.randint(1, 9, (1,), generator=g))
    T = int(torch.randint(1, 13, (1,), generator=g))
    V, F, O = 7, 3, 4
    inp = {"kind": "tokens", "vocab": V} if tokens else {"kind": "real", "features": F}
    out = V if loss in ("ce", "class") else O
    if loss in ("ce", "class") and not tokens:
        out = 5
    cfg = {"cell": cell, "nonlinearity": nonlin, "layers": layers, "hidden": H, "input": inp, "output": out, "loss": loss}
    if bidirectional:
        cfg["bidirectional"] = True
    lengths = [int(torch.randint(1, T + 1, (1,), generator=g)) for _ in range(B)]
    lengths[0] = T
    x = torch.randint(0, V, (B, T), generator=g).tolist() if tokens else (torch.rand(B, T, F, generator=g) * 2 - 1).tolist()
    if loss == "ce":
        y = torch.randint(0, out, (B, T), generator=g).tolist()
    elif loss == "mse":
        y = (torch.rand(B, T, out, generator=g) * 2 - 1).tolist()
    elif loss == "class":
        y = torch.randint(0, out, (B,), generator=g).tolist()
    else:
        y = (torch.rand(B, out, generator=g) * 2 - 1).tolist()
    batch = {k: v for k, v in cfg.items() if k != "nonlinearity" or cell == "rnn"}
    batch.update({"x": x, "y": y, "lengths": lengths})
    return cfg, batch


def run_set(args, bidirectional, d):
    """args.cases cases, each set seeded on its own (so --bidirectional repeats the default run's second set).
    make_case cycles every cell, 1-2 layers, token and real inputs and every loss in each set. Returns the failures."""
    seed = 1234 + int(bidirectional)
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    failures = 0
    for i in range(args.cases):
        cfg, batch = make_case(i, g, bidirectional)
        model = Model(cfg)
        cell = f"{cfg['cell']}{'/' + cfg['nonlinearity'] if cfg['cell'] == 'rnn' else ''}{' bi' if bidirectional else ''}"
        desc = f"{cell} L{cfg['layers']} H{cfg['hidden']} {cfg['input']['kind']} {cfg['loss']} B{len(batch['x'])} T{len(batch['x'][0])} lengths {batch['lengths']}"
        w, b, gr = (os.path.join(d, n) for n in ("w.safetensors", "batch.json", "g.safetensors"))
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, w, metadata={"rnnlab.config": json.dumps(cfg), "format": "pt"})
        with open(b, "w") as f:
            json.dump(batch, f)
        run = subprocess.run([args.node, CLI, "grad", "--weights", w, "--batch", b, "--out", gr], capture_output=True, text=True)
        if run.returncode != 0:
            # The message: stderr's last line that is not part of a stack trace or Node's version banner.
            lines = [l.strip() for l in run.stderr.splitlines() if l.strip() and not l.strip().startswith("at ") and not l.startswith("Node.js")]
            print(f"FAIL case {i:2d} {desc}: rnnlab grad failed ({run.returncode}): {(lines or ['no message'])[-1][:400]}")
            failures += 1
            continue
        ours_loss = json.loads(run.stdout.strip().splitlines()[-1])["loss"]
        ours = load_file(gr)
        model.double()
        loss = torch_loss(model, cfg, batch)
        loss.backward()
        worst, where = abs(ours_loss - loss.item()) / max(abs(loss.item()), 1e-6), "loss"
        for name, p in model.named_parameters():
            ref = p.grad.double()
            if name not in ours:
                worst, where = float("inf"), f"{name}: not in the gradients file"
                break
            err = (ours[name].double() - ref).abs().max().item() / max(ref.abs().max().item(), 1e-12)
            if err > worst:
                worst, where = err, name
        ok = worst <= TOL
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} case {i:2d} {desc}: loss {loss.item():.6f} vs {ours_loss:.6f}; worst relative error {worst:.2e} ({where})")
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--node", default="node")
    ap.add_argument("--cases", type=int, default=24, help="cases per set (default 24)")
    ap.add_argument("--bidirectional", action="store_true", help="only the bidirectional set")
    args = ap.parse_args()
    sets = [True] if args.bidirectional else [False, True]
    summary = []
    with tempfile.TemporaryDirectory() as d:
        for bidirectional in sets:
            name = "bidirectional" if bidirectional else "unidirectional"
            print(f"{name}:")
            failures = run_set(args, bidirectional, d)
            summary.append((name, failures))
    for name, failures in summary:
        print(f"{name}: {args.cases - failures}/{args.cases} cases agree with PyTorch {torch.__version__} within {TOL} of each tensor's max")
    sys.exit(1 if any(f for _, f in summary) else 0)


if __name__ == "__main__":
    main()
