// One peer run (a TF.js backend × one config) in its own Web Worker, so the page can end it with
// terminate() when it overruns its budget. Reports each phase as it happens; the page keeps the clock.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
// The .wasm files ship with the build (no network at run time).
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { BenchConfig } from './configs.ts';
import { buildPeer } from './peers.ts';

export type PeerBackend = 'webgpu' | 'wasm';

export interface PeerRequest {
  backend: PeerBackend;
  config: BenchConfig;
  /** Time the steps for at least this long and at least minSteps steps, at most maxSteps. */
  minMs: number;
  minSteps: number;
  maxSteps: number;
  /** Stop timing (with at least one step) once this long has passed since the worker started. */
  softLimitMs: number;
  /** Steps this long: one timed step is the measurement. */
  longMs: number;
}

export type PeerEvent =
  | { type: 'ready'; backendInfo: string }
  | { type: 'built' }
  | { type: 'warm'; ms: number }
  | { type: 'step'; n: number; ms: number }
  | { type: 'done'; msPerStep: number; steps: number; warmupMs: number; firstLoss: number; lastLoss: number; tensorsAdded: number; cut: boolean }
  | { type: 'error'; error: string };

const post = (e: PeerEvent) => self.postMessage(e);

self.onmessage = async (e: MessageEvent<PeerRequest>) => {
  const start = performance.now();
  const { backend, config, minMs, minSteps, maxSteps, softLimitMs, longMs } = e.data;
  try {
    if (backend === 'wasm')
      setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded });
    if (!(await tf.setBackend(backend))) throw new Error(`TF.js could not start its ${backend} backend`);
    await tf.ready();
    if (tf.getBackend() !== backend) throw new Error(`TF.js runs on ${tf.getBackend()}, not ${backend}`);
    post({ type: 'ready', backendInfo: backendInfo(backend) });

    const peer = buildPeer(tf, config);
    post({ type: 'built' });
    // Warm-up: shader compilation (webgpu) and first-use costs stay out of the timing. A second
    // warm-up step only when the first was quick.
    let t = performance.now();
    const firstLoss = await peer.step();
    let warmupMs = performance.now() - t;
    post({ type: 'warm', ms: warmupMs });
    if (warmupMs < minMs) {
      t = performance.now();
      await peer.step();
      warmupMs = performance.now() - t;
      post({ type: 'warm', ms: warmupMs });
    }

    const tensors = tf.memory().numTensors;
    const t0 = performance.now();
    let steps = 0;
    let lastLoss = firstLoss;
    let cut = false;
    for (;;) {
      const s = performance.now();
      lastLoss = await peer.step();
      steps++;
      post({ type: 'step', n: steps, ms: performance.now() - s });
      const now = performance.now();
      if (steps >= maxSteps) break;
      if (steps >= minSteps && now - t0 >= minMs) break;
      if (now - t0 >= longMs) break;
      if (now - start >= softLimitMs) {
        cut = true; // fewer steps than asked for: the page marks it partial
        break;
      }
    }
    const msPerStep = (performance.now() - t0) / steps;
    const tensorsAdded = tf.memory().numTensors - tensors;
    peer.dispose();
    post({ type: 'done', msPerStep, steps, warmupMs, firstLoss, lastLoss, tensorsAdded, cut });
  } catch (err) {
    post({ type: 'error', error: String((err as Error).message ?? err) });
  }
};

function backendInfo(backend: PeerBackend): string {
  if (backend === 'wasm') {
    let simd = false;
    try {
      simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT'); // evaluated when the backend started
    } catch {
      /* unknown */
    }
    return `wasm, ${getThreadsCount()} thread(s)${simd ? ', SIMD' : ''}`;
  }
  const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
  return `webgpu${info ? `, ${[info.vendor, info.architecture].filter(Boolean).join(' / ')}` : ''}`;
}
