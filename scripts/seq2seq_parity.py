"""PyTorch parity of the encoder-decoder: the same weights, batch and teacher-forcing mask through the
Seq2Seq module below (float64, autograd) and through rnnlab's float64 reference (gpu/seq2seq/reference.ts,
via scripts/seq2seqGrad.ts). Loss and every gradient must agree within 1e-6 of each tensor's max |value|.
The TypeScript side reads the weights by its own parameter names and writes them back; they are loaded
into a fresh module with load_state_dict(strict=True), so names, shapes and order are checked too.
Needs torch (no safetensors: the two sides talk JSON):

    python3 scripts/seq2seq_parity.py [--node node] [--cases N]

With --gpu it checks the GPU engine instead, through `rnnlab grad --seq2seq` (weights and gradients as
safetensors, float32): every case with full teacher forcing (the GPU's training mode), within 1e-4.
"""
import argparse, json, os, subprocess, sys, tempfile
import torch
import torch.nn as nn
import torch.nn.functional as F

TOL = 1e-6
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
PAD, BOS, EOS = 0, 1, 2


# The module docs/seq2seq.md shows, verbatim (scripts/docs.test.ts holds it to this): docs:begin seq2seq
class AdditiveScore(nn.Module):
    """Bahdanau's score v · tanh(W_q s + W_k e)."""

    def __init__(self, width, size):
        super().__init__()
        self.query = nn.Linear(width, size, bias=False)
        self.key = nn.Linear(width, size, bias=False)
        self.v = nn.Linear(size, 1, bias=False)

    def forward(self, s, enc):  # s [B, W], enc [S, B, W] -> [B, S]
        return self.v(torch.tanh(self.query(s)[None] + self.key(enc)))[..., 0].T


class Seq2Seq(nn.Module):
    """rnnlab's encoder-decoder. Time-major (row s·B + b); tokens enter as one-hot vectors, so each recurrent
    stack is nn.<Cell>(V, …) on F.one_hot(x, V).double() (rnnlab gathers the W_ih column instead)."""

    def __init__(self, cfg):
        super().__init__()
        V, H, L = cfg["vocab"], cfg["hidden"], cfg["layers"]
        self.bidirectional, self.V, self.H = cfg.get("bidirectional", False), V, H
        W = 2 * H if self.bidirectional else H  # encoder outputs [forward; reverse] = decoder width
        Cell = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cfg["cell"]]
        extra = {"nonlinearity": cfg["nonlinearity"]} if cfg["cell"] == "rnn" else {}
        self.encoder = Cell(V, H, num_layers=L, bidirectional=self.bidirectional, **extra)
        self.decoder = Cell(V, W, num_layers=L, **extra)
        self.kind = cfg["attention"]
        if self.kind == "general":
            self.attention = nn.Linear(W, W, bias=False)
        elif self.kind == "additive":
            self.attention = AdditiveScore(W, cfg.get("attentionSize", H))
        if self.kind != "none":
            self.combine = nn.Linear(2 * W, W)
        self.out = nn.Linear(W, V)

    def encode(self, source, source_lengths):
        """source [S, B]: encoder outputs [S, B, W] (padding 0) and the decoder's initial state."""
        S, B = source.shape
        packed = nn.utils.rnn.pack_padded_sequence(F.one_hot(source, self.V).double(), source_lengths, enforce_sorted=False)
        out, state = self.encoder(packed)
        enc, _ = nn.utils.rnn.pad_packed_sequence(out, total_length=S)
        D, L = 1 + self.bidirectional, self.decoder.num_layers
        bridge = lambda h: h.view(L, D, B, self.H).transpose(1, 2).reshape(L, B, D * self.H)  # layer l: [h_n fwd; h_n rev]
        return enc, tuple(map(bridge, state)) if isinstance(state, tuple) else bridge(state)

    def step(self, token, state, enc, src_mask):
        """One decoder step for tokens [B]: logits [B, V], the new state, attention weights [B, S] (or None)."""
        out, state = self.decoder(F.one_hot(token, self.V).double()[None], state)
        s = out[0]  # the top layer's state [B, W]
        if self.kind == "none":
            return self.out(s), state, None
        if self.kind == "additive":
            scores = self.attention(s, enc)
        else:
            keys = enc if self.kind == "dot" else self.attention(enc)
            scores = (keys * s[None]).sum(-1).T  # [B, S]
        alpha = torch.softmax(scores.masked_fill(~src_mask, float("-inf")), dim=1)
        context = torch.einsum("bs,sbw->bw", alpha, enc)
        return self.out(torch.tanh(self.combine(torch.cat([context, s], 1)))), state, alpha

    def forward(self, source, source_lengths, target, mask):
        """Logits [U, B, V]. The input at step u > 0 is target[u-1] where mask[u] is 1, else the previous argmax."""
        enc, state = self.encode(source, source_lengths)
        src_mask = torch.arange(source.shape[0])[None, :] < source_lengths[:, None]  # [B, S]
        token, logits = torch.full((source.shape[1],), BOS), []
        for u in range(target.shape[0]):
            z, state, _ = self.step(token, state, enc, src_mask)
            logits.append(z)
            if u + 1 < target.shape[0]:
                token = torch.where(mask[u + 1], target[u], z.detach().argmax(1))
        return torch.stack(logits)
# docs:end seq2seq


def torch_loss(model, batch, mask):
    B, S, U = batch["B"], batch["S"], batch["U"]
    t = lambda k, n: torch.tensor(batch[k]).view(n, B)
    target, target_lengths = t("target", U), torch.tensor(batch["targetLengths"])
    logits = model(t("source", S), torch.tensor(batch["sourceLengths"]), target, torch.tensor(mask).view(U, B).bool())
    real = torch.arange(U)[:, None] < target_lengths[None, :]  # [U, B]: u < targetLengths[b], <eos> included
    return F.cross_entropy(logits[real], target[real])


def make_case(i, g):
    """Case i: cell i % 4, attention (i // 4) % 4, bidirectional (i // 16) % 2 (32 cases cover them all), layers alternating."""
    r = lambda lo, hi: int(torch.randint(lo, hi + 1, (1,), generator=g))
    cell, nonlin = [("rnn", "tanh"), ("rnn", "relu"), ("gru", "tanh"), ("lstm", "tanh")][i % 4]
    cfg = {"cell": cell, "nonlinearity": nonlin, "layers": 1 + (i + i // 4 + i // 16) % 2, "hidden": r(2, 8), "vocab": r(4, 9)}
    cfg["attention"] = ["none", "dot", "general", "additive"][(i // 4) % 4]
    if cfg["attention"] == "additive":
        cfg["attentionSize"] = r(2, 7)
    if (i // 16) % 2:
        cfg["bidirectional"] = True
    B, S, U = r(1, 5), r(1, 7), r(1, 7)
    sl, tl = [r(1, S) for _ in range(B)], [r(1, U) for _ in range(B)]
    sl[0], tl[-1] = S, U
    source, target = [PAD] * (S * B), [PAD] * (U * B)  # time-major, padded with <pad>
    for b in range(B):
        for s in range(sl[b]):
            source[s * B + b] = r(3, cfg["vocab"] - 1)
        for u in range(tl[b]):
            target[u * B + b] = EOS if u == tl[b] - 1 else r(3, cfg["vocab"] - 1)
    mask = (torch.rand(U * B, generator=g) < 0.6).int().tolist()
    batch = {"B": B, "S": S, "U": U, "source": source, "sourceLengths": sl, "target": target, "targetLengths": tl}
    return cfg, batch, mask


def run_gpu(args, d, cfg, batch, model, mask):
    """Loss and gradients (by name) of `rnnlab grad --seq2seq` on the GPU, for the batch and its teacher-forcing mask."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from torch_parity import load_file, save_file  # the safetensors package, or torch_parity's own reader and writer

    B = batch["B"]
    col = lambda key, lengths, b, drop_last: [batch[key][t * B + b] for t in range(lengths[b] - drop_last)]
    cli = {k: v for k, v in cfg.items()}
    cli["source"] = [col("source", batch["sourceLengths"], b, 0) for b in range(B)]
    cli["target"] = [col("target", batch["targetLengths"], b, 1) for b in range(B)]  # without <eos>: the CLI appends it
    # The CLI's mask is per target symbol: mask[b][i] decides the decoder's input at step i + 1.
    cli["mask"] = [[mask[(i + 1) * B + b] for i in range(batch["targetLengths"][b] - 1)] for b in range(B)]
    w, bf, gr = (os.path.join(d, n) for n in ("w.safetensors", "pairs.json", "g.safetensors"))
    save_file({k: v.float().contiguous() for k, v in model.state_dict().items()}, w, metadata={"format": "pt"})
    with open(bf, "w") as f:
        json.dump(cli, f)
    run = subprocess.run([args.node, os.path.join(ROOT, "bin", "rnnlab.js"), "grad", "--seq2seq", "--weights", w, "--batch", bf, "--out", gr], capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(run.stderr.strip().splitlines()[-1][:400] if run.stderr.strip() else f"exit {run.returncode}")
    out = json.loads(run.stdout.strip().splitlines()[-1])
    if out.get("computed_on") != "gpu":
        raise RuntimeError(f"rnnlab grad --seq2seq computed on {out.get('computed_on')}, not the GPU")
    return out["loss"], {k: v.double() for k, v in load_file(gr).items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--node", default="node")
    ap.add_argument("--cases", type=int, default=32, help="cases (default 32: every cell x attention x direction)")
    ap.add_argument("--gpu", action="store_true", help="check the GPU engine through rnnlab grad --seq2seq (float32, 1e-4)")
    args = ap.parse_args()
    tol = 1e-4 if args.gpu else TOL
    g = torch.Generator().manual_seed(4321)
    torch.manual_seed(4321)
    failures = 0
    with tempfile.TemporaryDirectory() as d:
        for i in range(args.cases):
            cfg, batch, mask = make_case(i, g)
            model = Seq2Seq(cfg).double()
            with torch.no_grad():  # livelier than the default init: larger weights, saturating cells, peaked attention
                for p in model.parameters():
                    p.mul_(2.5)
            desc = (f"{cfg['cell']}{'/' + cfg['nonlinearity'] if cfg['cell'] == 'rnn' else ''}{' bi' if cfg.get('bidirectional') else ''} "
                    f"L{cfg['layers']} H{cfg['hidden']} V{cfg['vocab']} {cfg['attention']} B{batch['B']} S{batch['S']} U{batch['U']} "
                    f"src {batch['sourceLengths']} tgt {batch['targetLengths']} mask zeros {mask.count(0)}")
            if args.gpu:
                try:
                    ours_loss, ours_grads = run_gpu(args, d, cfg, batch, model, mask)
                except RuntimeError as e:
                    print(f"FAIL case {i:2d} {desc}: rnnlab grad --seq2seq failed: {e}")
                    failures += 1
                    continue
                loss = torch_loss(model, batch, mask)
                loss.backward()
                worst, where = abs(ours_loss - loss.item()) / max(abs(loss.item()), 1e-12), "loss"
                for name, p in model.named_parameters():
                    err = (ours_grads[name].view_as(p.grad) - p.grad).abs().max().item() / max(p.grad.abs().max().item(), 1e-12)
                    if err > worst:
                        worst, where = err, name
                ok = worst <= tol
                failures += not ok
                print(f"{'ok  ' if ok else 'FAIL'} case {i:2d} {desc}: loss {loss.item():.7f} vs {ours_loss:.7f} (GPU); worst relative error {worst:.2e} ({where})")
                continue
            src, dst = os.path.join(d, "in.json"), os.path.join(d, "out.json")
            with open(src, "w") as f:
                json.dump({"config": cfg, "params": {k: v.tolist() for k, v in model.state_dict().items()}, "batch": batch, "mask": mask}, f)
            run = subprocess.run([args.node, os.path.join(ROOT, "bin", "run-ts.js"), os.path.join(ROOT, "scripts", "seq2seqGrad.ts"), src, dst], capture_output=True, text=True)
            if run.returncode != 0:
                lines = [l.strip() for l in run.stderr.splitlines() if l.strip() and not l.strip().startswith("at ")]
                print(f"FAIL case {i:2d} {desc}: seq2seqGrad failed ({run.returncode}): {(lines or ['no message'])[-1][:400]}")
                failures += 1
                continue
            with open(dst) as f:
                ours = json.load(f)
            # A fresh module from the weights the TypeScript side read, under its names: strict=True.
            fresh = Seq2Seq(cfg).double()
            fresh.load_state_dict({k: torch.tensor(v, dtype=torch.float64).view(ours["shapes"][k]) for k, v in ours["params"].items()}, strict=True)
            loss = torch_loss(fresh, batch, mask)
            loss.backward()
            worst, where = abs(ours["loss"] - loss.item()) / max(abs(loss.item()), 1e-12), "loss"
            for name, p in fresh.named_parameters():
                ref = p.grad
                err = (torch.tensor(ours["grads"][name], dtype=torch.float64).view_as(ref) - ref).abs().max().item() / max(ref.abs().max().item(), 1e-12)
                if err > worst:
                    worst, where = err, name
            ok = worst <= TOL
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} case {i:2d} {desc}: loss {loss.item():.9f} vs {ours['loss']:.9f}; worst relative error {worst:.2e} ({where})")
    what = "the GPU engine (float32, rnnlab grad --seq2seq)" if args.gpu else "the float64 reference"
    print(f"seq2seq: {args.cases - failures}/{args.cases} cases of {what} agree with PyTorch {torch.__version__} in float64 within {tol} of each tensor's max")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
