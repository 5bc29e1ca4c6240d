/// <reference lib="webworker" />
// The training worker's entry: owns the GPUDevice and the training sessions on it, and relays
// messages. Each session is a channel (app/worker/hub.ts): the trainer page's controller, each notebook
// cell. Its messages carry its `session` id, and so do the replies; device news carries none, as it
// concerns every session. All sessions share one device.
// The page's first message is `init` with its base URL: a module worker built by Vite lives under
// assets/, so `self.location` is not where data/<corpus>.txt is served from.
//
// Device loss (not by destroy()): once, for all sessions, a new device is requested and every
// session rebuilt from its last good checkpoint (config, weights, optimizer state, step); those that
// were training go on. Each is told with `recovered` (the step it went back to).
//
// Without WebGPU (no navigator.gpu, or no adapter) the worker posts `deviceError`, then a `device`
// message naming the CPU, and its sessions train recurrent models on the CPU instead (tree and
// encoder-decoder models are refused): the same messages, from the float64 reference, much slower.

import { requestBrowserDevice, WANTED_LIMITS } from '../core/device.ts';
import type { GpuContext } from '../core/context.ts';
import { errorText, TrainingSession } from './session.ts';
import { CPU_ADAPTER } from './recurrentCpuRun.ts';
import { gpuOnly } from './families.ts';
import type { CorpusName, FromWorker, KernelTuning, ToWorker } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

type Tagged<T> = T & { session?: string };

/** Untagged messages: device news going out (to every session), and a sender that opened no channel. */
const MAIN = '';

/** Posts as session `id` (untagged: device news, which concerns every session). */
const poster =
  (id: string) =>
  (msg: FromWorker, transfer: Transferable[] = []) =>
    self.postMessage(id ? { ...msg, session: id } : msg, transfer);
const broadcast = poster(MAIN);

let baseUrl = '';
let kernelTuning: KernelTuning = 'auto';
/** The device the sessions share; null: no WebGPU, sessions run on the CPU. */
let ctx: GpuContext | null = null;
const sessions = new Map<string, TrainingSession>();
/** Settles when the device is ready (or known unavailable), and again after a recovery; messages wait for it. */
let ready: Promise<void> | null = null;
let recovering: Promise<void> | null = null;
const corpora = new Map<CorpusName, Promise<string>>();

/** The bundled corpora: the only names the worker fetches (a stored or sent config cannot name a path). */
const CORPORA: readonly string[] = ['moby-dick', 'first-names'] satisfies CorpusName[];

function loadCorpus(name: CorpusName): Promise<string> {
  if (!CORPORA.includes(name)) return Promise.reject(new Error(`there is no bundled corpus called “${String(name).slice(0, 40)}”`));
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

/** A WebGPU device, announced; without one (`deviceError` posted), the CPU. */
async function openDevice(): Promise<void> {
  try {
    ctx = await requestBrowserDevice();
  } catch (e) {
    ctx = null;
    broadcast({ type: 'deviceError', message: errorText(e) });
    broadcast({ type: 'device', adapter: CPU_ADAPTER, backend: 'cpu', limits: {} });
    return;
  }
  const limits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) limits[name] = ctx.device.limits[name];
  broadcast({ type: 'device', adapter: ctx.adapter.name, backend: ctx.adapter.backend, limits });
}

function sessionFor(id: string): TrainingSession {
  let s = sessions.get(id);
  if (!s) {
    s = new TrainingSession(poster(id), { gpu: ctx, loadCorpus, onDeviceLost: deviceLost, kernelTuning });
    sessions.set(id, s);
  }
  return s;
}

/** Every session on the device hears of its loss; the first starts the one recovery. */
function deviceLost(reason: string): void {
  if (recovering) return;
  recovering = recover(reason).finally(() => (recovering = null));
  ready = recovering;
}

async function recover(reason: string): Promise<void> {
  const old = [...sessions];
  sessions.clear();
  const snapshots = old.map(([id, s]) => ({
    id,
    snapshot: s.snapshot(),
    connectivity: s.showConnectivity,
    // A checkpoint the page asked for was lost with the device: it is taken again from the restored session.
    resave: s.checkpointPending,
  }));
  for (const [, s] of old) void s.dispose(); // their device is gone: nothing to wait for
  const lost = `The GPU device was lost (${reason})`;
  try {
    await openDevice();
  } catch (e) {
    for (const { id } of snapshots) poster(id)({ type: 'error', message: `${lost} and could not be replaced: ${errorText(e)}`, fatal: true });
    return;
  }
  for (const { id, snapshot, connectivity, resave } of snapshots) {
    const post = poster(id);
    try {
      const refused = snapshot && !ctx && gpuOnly(snapshot.config);
      if (refused) throw new Error(refused.replace(/\.$/, ''));
      const s = sessionFor(id);
      s.showConnectivity = connectivity;
      if (!snapshot) {
        post({ type: 'recovered', step: 0, message: `${lost}; a new device is ready.` });
        continue;
      }
      if (!(await s.restore(snapshot))) continue; // the session posted why
      const what = snapshot.training ? 'training resumed' : 'the model was restored';
      const where = ctx ? 'on a new device' : 'on the CPU';
      post({
        type: 'recovered',
        step: snapshot.step,
        message: `${lost}; ${what} from step ${snapshot.step} ${where}, with the weights and optimizer state of that step.`,
      });
      if (resave) void s.handle({ type: 'saveCheckpoint' });
      if (snapshot.training) void s.handle({ type: 'train' });
    } catch (e) {
      post({ type: 'error', message: `${lost} and this model could not be rebuilt: ${errorText(e)}`, fatal: true });
    }
  }
}

self.onmessage = (e: MessageEvent<Tagged<ToWorker>>) => {
  const { session: id = MAIN, ...msg } = e.data;
  if (msg.type === 'init') {
    baseUrl = msg.baseUrl;
    kernelTuning = msg.kernelTuning ?? 'auto';
    ready ??= openDevice();
    return;
  }
  if (!ready) return poster(id)({ type: 'error', message: `"${msg.type}" before "init": the page must send init first.`, fatal: true });
  void ready
    .then(() => {
      if (msg.type === 'close') {
        const s = sessions.get(id);
        sessions.delete(id);
        return s?.dispose();
      }
      // Without WebGPU a tree or encoder-decoder model is refused by the session (not fatal): the page keeps, or falls back to, a recurrent model.
      return sessionFor(id).handle(msg as ToWorker);
    })
    // Nothing may fail silently here: the page would wait for an answer that never comes.
    .catch((e) => poster(id)({ type: 'error', message: `The training worker failed on "${msg.type}": ${errorText(e)}`, fatal: true }));
};
