/// <reference lib="webworker" />
// The training worker's entry: owns the GPUDevice and one TrainingSession, and relays messages.
// The page's first message is `init` with its base URL: a module worker built by Vite lives under
// assets/, so `self.location` is not where data/<corpus>.txt is served from.
//
// Device loss (not by destroy()): a new device is requested and the session rebuilt from its last
// config and last good weights; training continues if it was running.
//
// Without WebGPU (no navigator.gpu, or no adapter) the worker posts `deviceError`, then a `device`
// message naming the CPU, and trains with a CpuSession instead: the same messages, from the float64
// reference on the CPU, much slower.

import { requestBrowserDevice } from '../device.ts';
import type { GpuContext } from '../context.ts';
import { TrainingSession } from './session.ts';
import { CPU_ADAPTER, CpuSession } from './cpuSession.ts';
import type { CorpusName, FromWorker, ToWorker } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

const LIMITS = ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxStorageBuffersPerShaderStage'] as const;

const post = (msg: FromWorker, transfer: Transferable[] = []) => self.postMessage(msg, transfer);
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

let baseUrl = '';
let session: TrainingSession | CpuSession | null = null;
/** Settles when the session is ready (or known unavailable); messages wait for it, in order. */
let ready: Promise<void> | null = null;
const corpora = new Map<CorpusName, Promise<string>>();

function loadCorpus(name: CorpusName): Promise<string> {
  let text = corpora.get(name);
  if (!text) {
    text = fetch(new URL(`data/${name}.txt`, baseUrl)).then((r) => {
      if (!r.ok) throw new Error(`cannot load the ${name} corpus (HTTP ${r.status} for ${r.url})`);
      return r.text();
    });
    text.catch(() => corpora.delete(name)); // a failed fetch is retried next time
    corpora.set(name, text);
  }
  return text;
}

/** A device and a session on it; without WebGPU (`deviceError` posted), a session on the CPU. */
async function openSession(): Promise<TrainingSession | CpuSession> {
  let ctx: GpuContext;
  try {
    ctx = await requestBrowserDevice();
  } catch (e) {
    post({ type: 'deviceError', message: errorText(e) });
    post({ type: 'device', adapter: CPU_ADAPTER, backend: 'cpu', limits: {} });
    return new CpuSession(post, { loadCorpus });
  }
  const limits: Record<string, number> = {};
  for (const name of LIMITS) limits[name] = ctx.device.limits[name];
  post({ type: 'device', adapter: ctx.adapter.name, backend: ctx.adapter.backend, limits });
  return new TrainingSession(ctx, post, { loadCorpus, onDeviceLost: (reason) => (ready = recover(reason)) });
}

async function recover(reason: string): Promise<void> {
  const old = session as TrainingSession; // only a GPU session loses its device
  const snapshot = old.snapshot();
  void old.dispose(); // its device is gone: nothing to wait for
  try {
    session = await openSession();
    if (!session) return;
    if (!snapshot) return post({ type: 'error', message: `The GPU device was lost (${reason}); a new one is ready.`, fatal: false });
    if (!(await session.restore(snapshot))) return; // the session posted why
    const what = snapshot.training ? 'training resumed' : 'the model was restored';
    post({ type: 'error', message: `The GPU device was lost (${reason}); ${what} from step ${snapshot.step}.`, fatal: false });
    if (snapshot.training) await session.train();
  } catch (e) {
    post({ type: 'error', message: `The GPU device was lost (${reason}) and could not be replaced: ${errorText(e)}`, fatal: true });
  }
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  if (msg.type === 'init') {
    baseUrl = msg.baseUrl;
    ready ??= openSession().then((s) => void (session = s));
    return;
  }
  if (!ready) return post({ type: 'error', message: `"${msg.type}" before "init": the page must send init first.`, fatal: true });
  void ready.then(() => {
    if (session) return session.handle(msg);
    post({ type: 'error', message: 'WebGPU is not available in this browser, so nothing can be trained.', fatal: true });
  });
};
