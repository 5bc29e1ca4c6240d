// One time step of one batch row, per cell, in float64: the reference's forward and backward of the
// Elman RNN, the GRU and the LSTM with PyTorch's equations. gi, gh: the two pre-activation halves
// [G*H] (reference.ts says why they are kept apart); h, c: the previous state [H]; *Out: the new state.
// Each backward writes dgi, dgh (∂L/∂gi, ∂L/∂gh) and adds the direct ∂L/∂h (and sets ∂L/∂c) of the
// previous state; the W_hhᵀ·dgh part of ∂L/∂h_{t-1} is added by the caller.

import { activate, activateGrad } from './referenceOps.ts';

type F64 = Float64Array;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export function rnnStepForward(gi: F64, gh: F64, H: number, relu: boolean, hOut: F64): void {
  for (let i = 0; i < H; i++) hOut[i] = activate(gi[i] + gh[i], relu); // h' = act(gi + gh)
}

export function rnnStepBackward(dhOut: F64, hOut: F64, H: number, relu: boolean, dgi: F64, dgh: F64): void {
  for (let i = 0; i < H; i++) {
    const da = dhOut[i] * activateGrad(hOut[i], relu); // δa = δh' ⊙ act'(a), a = gi + gh
    dgi[i] = da; // ∂a/∂gi = 1
    dgh[i] = da; // ∂a/∂gh = 1
  }
}

function gruGates(gi: F64, gh: F64, H: number, i: number) {
  const r = sigmoid(gi[i] + gh[i]); // r = σ(W_ir x + b_ir + W_hr h + b_hr)
  const z = sigmoid(gi[H + i] + gh[H + i]); // z = σ(W_iz x + b_iz + W_hz h + b_hz)
  const n = Math.tanh(gi[2 * H + i] + r * gh[2 * H + i]); // n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
  return { r, z, n };
}

export function gruStepForward(gi: F64, gh: F64, h: F64, H: number, hOut: F64): void {
  for (let i = 0; i < H; i++) {
    const { z, n } = gruGates(gi, gh, H, i);
    hOut[i] = (1 - z) * n + z * h[i]; // h' = (1 − z) ⊙ n + z ⊙ h
  }
}

export function gruStepBackward(gi: F64, gh: F64, h: F64, dhOut: F64, H: number, dgi: F64, dgh: F64, dh: F64): void {
  for (let i = 0; i < H; i++) {
    const { r, z, n } = gruGates(gi, gh, H, i);
    const d = dhOut[i];
    dh[i] += d * z; // ∂h'/∂h = z (direct path)
    const dn = d * (1 - z); // ∂h'/∂n = 1 − z
    const dz = d * (h[i] - n); // ∂h'/∂z = h − n
    const dan = dn * (1 - n * n); // n = tanh(a_n): ∂n/∂a_n = 1 − n²
    const dr = dan * gh[2 * H + i]; // a_n = gi_n + r ⊙ gh_n: ∂a_n/∂r = gh_n
    const dar = dr * r * (1 - r); // r = σ(a_r): σ' = r(1 − r)
    const daz = dz * z * (1 - z); // z = σ(a_z): σ' = z(1 − z)
    dgi[i] = dar; // a_r = gi_r + gh_r
    dgh[i] = dar;
    dgi[H + i] = daz; // a_z = gi_z + gh_z
    dgh[H + i] = daz;
    dgi[2 * H + i] = dan; // ∂a_n/∂gi_n = 1
    dgh[2 * H + i] = dan * r; // ∂a_n/∂gh_n = r
  }
}

function lstmGates(gi: F64, gh: F64, H: number, i: number) {
  const a = (k: number) => gi[k * H + i] + gh[k * H + i]; // a_k = W_ik x + b_ik + W_hk h + b_hk
  return { ig: sigmoid(a(0)), fg: sigmoid(a(1)), gg: Math.tanh(a(2)), og: sigmoid(a(3)) }; // i, f, g, o
}

export function lstmStepForward(gi: F64, gh: F64, c: F64, H: number, hOut: F64, cOut: F64): void {
  for (let i = 0; i < H; i++) {
    const { ig, fg, gg, og } = lstmGates(gi, gh, H, i);
    cOut[i] = fg * c[i] + ig * gg; // c' = f ⊙ c + i ⊙ g
    hOut[i] = og * Math.tanh(cOut[i]); // h' = o ⊙ tanh(c')
  }
}

/** dcOut: ∂L/∂c' from the next step; dc receives ∂L/∂c. LSTM has no direct h → h' path. */
export function lstmStepBackward(gi: F64, gh: F64, c: F64, cOut: F64, dhOut: F64, dcOut: F64, H: number, dgi: F64, dgh: F64, dc: F64): void {
  for (let i = 0; i < H; i++) {
    const { ig, fg, gg, og } = lstmGates(gi, gh, H, i);
    const tc = Math.tanh(cOut[i]);
    const dO = dhOut[i] * tc; // ∂h'/∂o = tanh(c')
    const dC = dcOut[i] + dhOut[i] * og * (1 - tc * tc); // δc' = δc'(next) + δh' ⊙ o ⊙ (1 − tanh²(c'))
    const dI = dC * gg; // ∂c'/∂i = g
    const dF = dC * c[i]; // ∂c'/∂f = c
    const dG = dC * ig; // ∂c'/∂g = i
    dc[i] = dC * fg; // ∂c'/∂c = f
    const da = [dI * ig * (1 - ig), dF * fg * (1 - fg), dG * (1 - gg * gg), dO * og * (1 - og)]; // σ' = s(1−s), tanh' = 1 − g²
    for (let k = 0; k < 4; k++) {
      dgi[k * H + i] = da[k]; // a_k = gi_k + gh_k
      dgh[k * H + i] = da[k];
    }
  }
}
