"""PyTorch parity: the same weights and batch through torch.nn.{RNN,GRU,LSTM} + Linear (float64, autograd)
and through `rnnlab grad` (the WebGPU engine, float32). Loss and every gradient must agree within 1e-4
of each tensor's max |value|. Needs torch and safetensors; run from the repository root:

    python3 scripts/torch_parity.py [--node node] [--cases N]
"""
import argparse, json, os, subprocess, sys, tempfile
import torch
from safetensors.torch import load_file, save_file

TOL = 1e-4


# The module docs/weights-and-pytorch.md shows, verbatim (scripts/docs.test.ts holds it to this): docs:begin model
class Model(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        size = cfg["input"].get("vocab") or cfg["input"]["features"]
        rnn = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cfg["cell"]]
        extra = {"nonlinearity": cfg["nonlinearity"]} if cfg["cell"] == "rnn" else {}
        self.rnn = rnn(size, cfg["hidden"], num_layers=cfg["layers"], batch_first=True, **extra)
        self.head = torch.nn.Linear(cfg["hidden"], cfg["output"])
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
    final = (hn[0] if cfg["cell"] == "lstm" else hn)[-1]
    logits = model.head(final)
    if loss == "class":
        return torch.nn.functional.cross_entropy(logits, torch.tensor(batch["y"]))
    return torch.nn.functional.mse_loss(logits, torch.tensor(batch["y"]).double())


def make_case(i, g):
    cell = ["rnn", "gru", "lstm"][i % 3]
    nonlin = "relu" if cell == "rnn" and i % 2 else "tanh"
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--node", default="node")
    ap.add_argument("--cases", type=int, default=24)
    args = ap.parse_args()
    g = torch.Generator().manual_seed(1234)
    torch.manual_seed(1234)
    failures = 0
    with tempfile.TemporaryDirectory() as d:
        for i in range(args.cases):
            cfg, batch = make_case(i, g)
            model = Model(cfg)
            w, b, gr = (os.path.join(d, n) for n in ("w.safetensors", "batch.json", "g.safetensors"))
            save_file({k: v.contiguous() for k, v in model.state_dict().items()}, w, metadata={"rnnlab.config": json.dumps(cfg), "format": "pt"})
            with open(b, "w") as f:
                json.dump(batch, f)
            run = subprocess.run([args.node, "bin/rnnlab.js", "grad", "--weights", w, "--batch", b, "--out", gr], capture_output=True, text=True)
            if run.returncode != 0:
                print(f"case {i}: rnnlab grad failed: {run.stderr.strip()[-400:]}")
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
                err = (ours[name].double() - ref).abs().max().item() / max(ref.abs().max().item(), 1e-12)
                if err > worst:
                    worst, where = err, name
            ok = worst <= TOL
            failures += not ok
            desc = f"{cfg['cell']}{'/' + cfg['nonlinearity'] if cfg['cell'] == 'rnn' else ''} L{cfg['layers']} H{cfg['hidden']} {cfg['input']['kind']} {cfg['loss']} B{len(batch['x'])} T{len(batch['x'][0])} lengths {batch['lengths']}"
            print(f"{'ok  ' if ok else 'FAIL'} case {i:2d} {desc}: loss {loss.item():.6f} vs {ours_loss:.6f}; worst relative error {worst:.2e} ({where})")
    print(f"{args.cases - failures}/{args.cases} cases agree with PyTorch {torch.__version__} within {TOL} of each tensor's max")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
