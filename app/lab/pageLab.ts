// The trainer page's controller: what the buttons, the form and the test API do. One session on the
// training worker (through WorkerHub), the metrics and tree buffers (outside React), and the
// autosave; what it has asked of the worker and not yet heard back about lives in the store
// (store/inFlightSlice.ts). Each message from the worker goes through handleMessage (pure): its
// patch is applied to the store, then its effects are run.

import { Metrics } from '../metrics/metrics.ts';
import { RunOverlays } from '../runs/overlays.ts';
import { loadSweep, saveSweep, sweepPoints, sweepRunName, type SweepPlan, type SweepState } from '../runs/sweep.ts';
import { formFromSettings } from '../store/settingsSlice.ts';
import { Autosave, worthSaving } from '../persist/autosave.ts';
import {
  clearedStoreNotice,
  planRestore,
  putBackCurves,
  recordOf,
  restoredUploads,
  restoreFailedNotice,
  savedPageState,
  type RestorePlan,
} from '../persist/sessionRecord.ts';
import { decodeRunFile, encodeRunFile } from '../persist/runFile.ts';
import { deleteRun, dropLegacyRecord, listRuns, loadCurrentRun, loadRun, newRunId, renameRun, runInfoOf, saveRun, type RunInfo } from '../persist/runStore.ts';
import type { RunIdentity } from '../store/persistSlice.ts';
import {
  forgottenSave,
  loadUploads,
  rememberedSampling,
  rememberSampling,
  saveUploads,
  type StoredSession,
  type StoredUploads,
} from '../persist/sessionStore.ts';
import { toWorkerConfig, uploadedFileName } from '../config/sessionConfig.ts';
import type { FieldErrors, Settings } from '../config/schema.ts';
import { useStore, type Store } from '../store/index.ts';
import { noDevice } from '../store/sessionSlice.ts';
import { Seq2SeqFeed } from '../seq2seq/seq2seqFeed.ts';
import { TreeFeed } from '../tree/treeFeed.ts';
import { WorkerHub, type SessionChannel } from '../worker/hub.ts';
import { saveWeights } from '../weightsFile.ts';
import { handleMessage, sampleRequest, startOver, type Effect, type PageInput, type Step } from './handleMessage.ts';
import { planApply } from './planApply.ts';

/** Quiet time after the last keystroke before the form is applied. */
const APPLY_DELAY_MS = 400;

export type ApplyOutcome = { kind: 'invalid'; errors: FieldErrors } | { kind: 'unchanged' | 'confirm' | 'configuring' };

const state = useStore.getState;

export class PageLab {
  readonly metrics = new Metrics();
  /** Stored runs drawn on the charts beside this one (the run list's Show). */
  readonly overlays = new RunOverlays();
  /** A tree session's drawn trees and validation accuracies (outside React, as the metrics). */
  readonly trees = new TreeFeed();
  /** An encoder–decoder's alignments and validation scores (outside React, as the metrics). */
  readonly seq2seq = new Seq2SeqFeed();
  private hub: WorkerHub | null = null;
  private channel: SessionChannel | null = null;
  private autosave: Autosave | null = null;
  /**
   * The run being trained when the autosave asked for the checkpoint it is waiting for, its settings
   * and the file it trains on (the checkpoint's config says the same; reading it back would parse an
   * uploaded file again at every save).
   */
  private asked: { run: RunIdentity | null; settings: Settings | null; fileName: string | null } = { run: null, settings: null, fileName: null };
  /** The restored record is a page-before-runs' single record: dropped once saved as a run. */
  private legacyRecord = false;
  private applyTimer: ReturnType<typeof setTimeout> | undefined;
  // The callers waiting for an answer. Promise resolvers are not state the page renders (and a store
  // holds data): they stay here. Handling a 'weights' message is told how many readWeights callers
  // wait, and gives the bytes to the oldest of them instead of a download.
  private configureWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private weightsWaiters: ((bytes: ArrayBuffer) => void)[] = [];

  /** Starts the worker (tests may give their own) and the autosave, then restores the stored session or applies the form. */
  start(createWorker?: () => Worker): void {
    this.hub = new WorkerHub({
      createWorker,
      afterCrash: 'Reset starts a new worker with fresh weights; your last autosave stays stored, and reloading the page brings it back.',
    });
    this.channel = this.hub.open((m) => this.receive(this.hub?.lost && m.type === 'error' ? { type: 'lost', message: m.message } : m), 'page');
    this.autosave = new Autosave({
      // The run a checkpoint belongs to is the one being trained when it was asked for (the worker
      // answers messages in order: a configuration sent after the ask comes after the answer).
      ask: () => {
        const s = state();
        const fileName = uploadedFileName({ upload: s.appliedUpload, series: s.appliedSeries, treeFile: s.appliedTreeFile, pairFile: s.appliedPairFile });
        this.asked = { run: s.run, settings: s.applied, fileName };
        this.channel?.send({ type: 'saveCheckpoint' });
      },
      write: (record) => this.storeRun(record, this.asked),
      record: (c) => {
        const s = state();
        return recordOf(c, this.metrics, s.carriedSteps, {
          samples: s.samples,
          sampling: { prompt: s.prompt, temperature: s.temperature, sampleLength: s.sampleLength },
        });
      },
    });
    // Edits apply themselves once the user stops typing; selects and uploads apply at once (applyNow).
    useStore.subscribe((s, prev) => {
      if (s.form !== prev.form || s.upload !== prev.upload || s.treeFile !== prev.treeFile || s.pairFile !== prev.pairFile) this.scheduleApply();
    });
    void this.restoreOrApply();
  }

  scheduleApply(delay = APPLY_DELAY_MS): void {
    clearTimeout(this.applyTimer);
    this.applyTimer = setTimeout(() => this.applyNow(), delay);
  }

  /** Validates the form; configures the worker, or asks first when trained weights would be lost. */
  applyNow(): ApplyOutcome {
    clearTimeout(this.applyTimer);
    const s = state();
    const plan = planApply(s);
    if (plan.kind === 'invalid') {
      s.setErrors(plan.errors);
      return plan;
    }
    if (Object.keys(s.errors).length) s.setErrors({});
    switch (plan.kind) {
      case 'unchanged':
        if (s.pendingDiscard) useStore.setState({ pendingDiscard: null });
        return plan;
      case 'confirm':
        useStore.setState({ pendingDiscard: plan.pending });
        return plan;
      case 'configure':
        this.configure(plan.settings, plan.keepWeights);
        return { kind: 'configuring' };
    }
  }

  /** The inline confirm's yes: throw the weights away and apply. */
  confirmDiscard(): void {
    const pending = state().pendingDiscard;
    if (pending) this.configure(pending.settings, false);
  }

  cancelDiscard(): void {
    state().revertForm();
  }

  /** Resolves at the next 'configured' (or 'treeConfigured'); rejects on an error first. */
  whenConfigured(): Promise<void> {
    return new Promise((resolve, reject) => this.configureWaiters.push({ resolve, reject }));
  }

  train(): void {
    if (this.canRun()) this.channel!.send({ type: 'train' });
  }

  pause(): void {
    // A configuration in flight that would resume training once configured must not undo this pause.
    const r = state().requested;
    if (r?.resume) useStore.setState({ requested: { ...r, resume: false, phaseBefore: 'paused' } });
    this.channel?.send({ type: 'pause' });
  }

  step(): void {
    if (this.canRun()) this.channel!.send({ type: 'step' });
  }

  reset(): void {
    if (this.hub?.lost) return this.restartWorker();
    const s = state();
    if (!this.channel || noDevice(s)) return;
    // Fresh weights are a new run of the same settings; the one before is saved first.
    this.autosave?.inBackground();
    useStore.setState({ run: this.nextRun() });
    this.channel.send({ type: 'reset' });
    this.apply(startOver(true));
    // After a fatal error the worker's answer ('status') decides again what state the session is in.
    const phase = state().phase === 'failed' ? 'idle' : state().phase;
    // A decoded answer belongs to the weights before.
    useStore.setState({ error: null, notice: null, steps: 0, carriedSteps: 0, phase, decoded: null });
  }

  sampleNow(): void {
    if (this.channel) this.apply(sampleRequest(state()));
  }

  /** An encoder–decoder decodes `source` by beam search of width `beam` (1: greedy); the answer comes as `decoded`. */
  decode(source: string, beam: number): void {
    const s = state();
    if (!this.channel || !s.seq2seqModel || s.phase === 'configuring' || s.phase === 'starting' || s.phase === 'failed') return;
    useStore.setState({ decoding: true });
    this.channel.send({ type: 'decode', source, beam });
  }

  /** A download of the weights, the steps they were trained for recorded in the file (an import restores them). */
  exportWeights(): void {
    const s = state();
    this.channel?.send({ type: 'exportWeights', step: s.carriedSteps + s.steps });
  }

  /** The current weights as safetensors bytes, without a download (the test API's digest). */
  readWeights(): Promise<ArrayBuffer> {
    const channel = this.channel;
    if (!channel) return Promise.reject(new Error('The page has not started.'));
    return new Promise((resolve) => {
      this.weightsWaiters.push(resolve);
      channel.send({ type: 'exportWeights' });
    });
  }

  /** Saves the session now; resolves with the saved step, rejects with why it could not. */
  saveNow(): Promise<number> {
    return this.autosave ? this.autosave.saveNow() : Promise.reject(new Error('The page has not started.'));
  }

  async importWeights(file: File): Promise<void> {
    if (!this.channel) return;
    const bytes = await file.arrayBuffer();
    useStore.setState({ importing: file.name, importError: null, notice: null });
    this.channel.send({ type: 'importWeights', bytes }, [bytes]);
  }

  /** The autosaved session when there is one (the worker loads it), else the form's settings. */
  private async restoreOrApply(): Promise<void> {
    // A store that cannot be read (no IndexedDB here, say) means a fresh start.
    const current = await loadCurrentRun().catch(() => null);
    const saved = current?.record ?? null;
    const plan = saved && planRestore(saved);
    void this.refreshRuns();
    // Every file uploaded before the reload is back in the picker; the prompt as it was last typed.
    const uploads = await loadUploads().catch(() => null);
    const sampling = rememberedSampling() ?? (saved ? savedPageState(saved).sampling : undefined);
    useStore.setState({ ...(uploads ?? {}), ...(sampling ?? {}) });
    this.keepUploads(uploads);
    this.resumeSweepAfterStart();
    if (!saved || !plan?.ok || !this.channel || noDevice(state())) {
      this.applyNow();
      if (saved && plan && !plan.ok) useStore.setState({ notice: restoreFailedNotice(saved, plan.reason) });
      // A save this browser made is gone (its site data was cleared, or evicted): say so, once.
      const gone = saved ? null : forgottenSave();
      if (gone) useStore.setState({ notice: clearedStoreNotice(gone) });
      return;
    }
    // A record from a page before runs becomes a run at its next save (and the old record goes then).
    this.legacyRecord = current!.id === null;
    this.restore(saved, plan, current!.info ? identityOf(current!.info) : this.newRun(null));
  }

  /** Has the worker rebuild a stored run (its settings, weights, optimizer state, curves and samples); paused after. */
  private restore(saved: StoredSession, plan: Extract<RestorePlan, { ok: true }>, run: RunIdentity): void {
    if (!this.channel) return;
    useStore.setState({
      restoring: saved,
      requested: { settings: plan.settings, keepWeights: false, resume: false, phaseBefore: 'starting', carriedSteps: saved.carriedSteps, run },
      form: plan.form,
      // The restored session's own file in its slot (the others keep the stored uploads).
      ...restoredUploads(plan),
      uploadError: null,
      phase: 'configuring',
      error: null,
      notice: null,
    });
    clearTimeout(this.applyTimer); // the form now shows what is being restored: nothing to apply
    this.channel.send({ type: 'loadCheckpoint', checkpoint: saved.checkpoint });
  }

  /**
   * From now on, stores the uploaded files whenever one changes (`stored`: what the store held at
   * load), and the sampling settings in localStorage at every change (synchronous, so a reload keeps
   * them even when it comes before the session's next save).
   */
  private keepUploads(stored: StoredUploads | null): void {
    const slots = (s: Store): StoredUploads => ({ upload: s.upload, series: s.series, treeFile: s.treeFile, pairFile: s.pairFile });
    let last = stored ?? slots(state());
    useStore.subscribe((s, prev) => {
      if (s.prompt !== prev.prompt || s.temperature !== prev.temperature || s.sampleLength !== prev.sampleLength)
        rememberSampling({ prompt: s.prompt, temperature: s.temperature, sampleLength: s.sampleLength });
      const now = slots(s);
      if ((Object.keys(now) as (keyof StoredUploads)[]).every((k) => now[k] === last[k])) return;
      last = now;
      saveUploads(now).catch((e: Error) => useStore.setState({ notice: `Your uploaded files could not be kept for your next visit: ${e.message}` }));
    });
  }

  // ---- runs ----

  /**
   * The identity of the run new weights start: the next free "Run n", from the run in use; but a run
   * in use that has neither trained nor been stored is simply replaced (its name and parent go on).
   */
  private nextRun(): RunIdentity {
    const s = state();
    const r = s.run;
    if (r && s.steps + s.carriedSteps === 0 && !s.runs.some((x) => x.id === r.id)) return { ...r, createdAt: Date.now() };
    return this.newRun(r?.id ?? null);
  }

  /** A new run's identity: the next free "Run n", started from `parentId`. */
  private newRun(parentId: string | null): RunIdentity {
    const s = state();
    const taken = [...s.runs.map((r) => r.name), s.run?.name ?? ''].map((n) => Number(/^Run (\d+)$/.exec(n)?.[1] ?? 0));
    return { id: newRunId(), name: `Run ${Math.max(0, ...taken) + 1}`, createdAt: Date.now(), parentId };
  }

  /** Stores a checkpoint's record as run `asked.run` (its summary with it), then refreshes the run list. */
  private async storeRun(record: StoredSession, asked: PageLab['asked']): Promise<void> {
    const s = state();
    const identity = asked.run ?? s.run ?? this.newRun(null);
    if (!s.run) useStore.setState({ run: identity });
    // A session worth saving has been configured, so it has settings.
    if (!asked.settings) throw new Error('Cannot save this run: it has no settings applied.');
    await saveRun(record, runInfoOf(record, { ...identity, settings: asked.settings, fileName: asked.fileName }));
    if (this.legacyRecord) {
      this.legacyRecord = false;
      dropLegacyRecord().catch(() => {}); // kept as a run now; a failure only leaves a stale copy
    }
    await this.refreshRuns();
  }

  /** The run list from the store (summaries only). */
  async refreshRuns(): Promise<void> {
    const runs = await listRuns().catch(() => null);
    if (runs) useStore.setState({ runs });
  }

  /**
   * Switches to stored run `id`: the run being trained is saved first (nothing of it is lost; if it
   * cannot be saved, the switch does not happen), then the other is restored, paused.
   */
  async openRun(id: string): Promise<void> {
    const s = state();
    if (s.run?.id === id || !this.channel) return;
    if (worthSaving(s)) {
      try {
        await this.saveNow();
      } catch (e) {
        useStore.setState({ notice: `Did not switch runs: the run in use could not be saved (${(e as Error).message}).` });
        return;
      }
    }
    const [record, info] = await Promise.all([loadRun(id).catch(() => null), Promise.resolve(state().runs.find((r) => r.id === id))]);
    const plan = record && planRestore(record);
    if (!record || !info || !plan?.ok) {
      useStore.setState({ notice: !record || !info ? 'That run is no longer stored.' : `That run cannot be opened: ${(plan as { reason: string }).reason}.` });
      return void this.refreshRuns();
    }
    this.restore(record, plan, identityOf(info));
  }

  /** Downloads stored run `id` as one file (runFile.ts): settings, curves, samples, weights and optimizer state. */
  async exportRun(id: string): Promise<void> {
    const [record, info] = [await loadRun(id).catch(() => null), state().runs.find((r) => r.id === id)];
    if (!record || !info) return void useStore.setState({ notice: 'That run is no longer stored.' });
    const slug = info.name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
    saveWeights(encodeRunFile(record, info).slice().buffer, `${slug}.run.safetensors`);
  }

  /** Stores a run file as a new run (named as it was, "(imported)") and opens it. */
  async importRun(file: File): Promise<void> {
    let run: ReturnType<typeof decodeRunFile>;
    try {
      run = decodeRunFile(new Uint8Array(await file.arrayBuffer()), file.name);
    } catch (e) {
      return void useStore.setState({ notice: (e as Error).message });
    }
    const plan = planRestore(run.record);
    if (!plan.ok) return void useStore.setState({ notice: `“${file.name}” cannot be opened here: ${plan.reason}.` });
    const identity: RunIdentity = { id: newRunId(), name: `${run.name} (imported)`, createdAt: Date.now(), parentId: null };
    const fileName = uploadedFileName(plan);
    try {
      await saveRun(run.record, runInfoOf(run.record, { ...identity, settings: plan.settings, fileName }), { current: false });
    } catch (e) {
      return void useStore.setState({ notice: `“${file.name}” could not be stored: ${(e as Error).message}` });
    }
    await this.refreshRuns();
    await this.openRun(identity.id);
  }

  /** Deletes a stored run other than the one in use. */
  async deleteRun(id: string): Promise<void> {
    if (state().run?.id === id) return;
    try {
      await deleteRun(id);
    } catch (e) {
      useStore.setState({ notice: `The run could not be deleted: ${(e as Error).message}` });
    }
    await this.refreshRuns();
  }

  async renameRun(id: string, name: string): Promise<void> {
    const clean = name.trim().slice(0, 80);
    if (!clean) return;
    const s = state();
    if (s.run?.id === id) useStore.setState({ run: { ...s.run, name: clean } });
    if (s.runs.some((r) => r.id === id)) await renameRun(id, clean).catch(() => {});
    await this.refreshRuns();
  }

  /**
   * "Duplicate and change": a new run, with fresh weights, from stored run `id`'s settings (and the
   * file it trains on), its parent that run. The run in use is saved first. Change a setting next:
   * the new run has no steps, so the change applies to it without a question.
   */
  async duplicateRun(id: string): Promise<void> {
    const s = state();
    if (!this.channel || s.phase === 'configuring' || s.phase === 'starting') return;
    if (worthSaving(s)) await this.saveNow().catch(() => {}); // the store shows a failure
    const record = await loadRun(id).catch(() => null);
    const plan = record && planRestore(record);
    if (!plan?.ok)
      return void useStore.setState({
        notice: record ? `That run cannot be duplicated: ${(plan as { reason: string }).reason}.` : 'That run is no longer stored.',
      });
    useStore.setState({ form: plan.form, ...restoredUploads(plan) });
    clearTimeout(this.applyTimer);
    this.configure(plan.settings, false, id);
  }

  // ---- sweeps ----

  /** Starts a sweep (runSweep.ts's plan): its runs train one after another, each kept. */
  startSweep(plan: SweepPlan): void {
    if (state().sweep?.status === 'running') return;
    const points = sweepPoints(plan);
    this.setSweep({ plan, points, runIds: points.map(() => null), next: 0, status: 'running' });
    void this.driveSweep();
  }

  /** Pauses the sweep and its run's training; resumeSweep goes on from that run's step. */
  pauseSweep(): void {
    const sw = state().sweep;
    if (!sw || sw.status !== 'running') return;
    this.setSweep({ ...sw, status: 'paused' });
    this.pause();
  }

  resumeSweep(): void {
    const sw = state().sweep;
    if (!sw || sw.status === 'done') return;
    this.setSweep({ ...sw, status: 'running' });
    void this.driveSweep();
  }

  /** Ends the sweep (its runs stay stored). */
  endSweep(): void {
    if (state().sweep?.status === 'running') this.pause();
    this.setSweep(null);
  }

  /** A sweep that was running when the page went away goes on once the page has settled (restored, or configured afresh). */
  private resumeSweepAfterStart(): void {
    const sweep = loadSweep();
    if (!sweep) return;
    useStore.setState({ sweep });
    if (sweep.status !== 'running') return;
    const stop = useStore.subscribe((s) => {
      if (s.phase !== 'paused' && s.phase !== 'idle') return;
      if (s.restoring || s.requested) return;
      stop();
      void this.driveSweep();
    });
  }

  private setSweep(sweep: SweepState | null): void {
    useStore.setState({ sweep });
    saveSweep(sweep);
  }

  private driving = false;

  /** Trains the sweep's runs from `next` on, each to its step budget, saving each; stops when paused or done. */
  private async driveSweep(): Promise<void> {
    if (this.driving) return;
    this.driving = true;
    try {
      for (;;) {
        const sw = state().sweep;
        if (!sw || sw.status !== 'running') return;
        if (sw.next >= sw.points.length) return this.setSweep({ ...sw, status: 'done' });
        const settings = sw.points[sw.next];
        // A run not started yet, or not the one in use (after a reload the run in use is the sweep's, restored).
        if (sw.runIds[sw.next] === null || state().run?.id !== sw.runIds[sw.next]) {
          const run = { ...this.newRun(state().run?.id ?? null), name: sweepRunName(sw.plan, settings) };
          useStore.setState({ form: formFromSettings(settings) });
          clearTimeout(this.applyTimer);
          const configured = this.whenConfigured();
          this.configure(settings, false, undefined, run);
          try {
            await configured;
          } catch (e) {
            useStore.setState({ notice: `The sweep stopped: run ${sw.next + 1} was refused (${(e as Error).message}).` });
            return this.setSweep({ ...sw, status: 'paused' });
          }
          const now = state().sweep!;
          this.setSweep({ ...now, runIds: now.runIds.map((id, k) => (k === now.next ? run.id : id)) });
        }
        if (state().steps < sw.plan.steps && !(await this.trainUntil(sw.plan.steps))) return;
        await this.saveNow().catch(() => {}); // a failure shows in the save status; the run is as saved before
        const done = state().sweep;
        if (!done || done.status !== 'running') return;
        this.setSweep({ ...done, next: done.next + 1 });
      }
    } finally {
      this.driving = false;
    }
  }

  /** Trains to `steps` and waits until paused there; false when stopped sooner (a pause, an error). */
  private trainUntil(steps: number): Promise<boolean> {
    return new Promise((resolve) => {
      const stop = useStore.subscribe((s) => {
        const reached = s.phase === 'paused' && s.steps >= steps;
        if (reached || s.sweep?.status !== 'running' || s.phase === 'failed' || s.error) {
          stop();
          resolve(reached);
        }
      });
      this.channel?.send({ type: 'train', until: steps });
    });
  }

  private configure(settings: Settings, keepWeights: boolean, parentId?: string, named?: RunIdentity): void {
    const s = state();
    if (!this.channel || noDevice(s)) return this.settleConfigure(new Error(s.deviceError ?? 'no worker'));
    const resume = keepWeights && s.phase === 'training';
    // The worker's new trainer counts from step 0; kept weights remember what they were trained for.
    const carriedSteps = keepWeights ? s.carriedSteps + s.steps : 0;
    // New weights are a new run: the one before is saved first (its steps since the last save too).
    if (!keepWeights) this.autosave?.inBackground();
    const run = named ?? (parentId ? this.newRun(parentId) : keepWeights && s.run ? undefined : this.nextRun());
    useStore.setState({
      requested: { settings, keepWeights, resume, phaseBefore: s.phase, carriedSteps, ...(run ? { run } : {}) },
      restoring: null, // new settings replace a restore still in progress
      pendingDiscard: null,
      phase: 'configuring',
      error: null,
      notice: null,
    });
    this.channel.send({ type: 'configure', config: toWorkerConfig(settings, s.upload, s.series, s.treeFile, s.pairFile), keepWeights });
  }

  /**
   * After a worker crash: a new worker, the form's settings applied afresh (fresh weights). The stored
   * session is not touched until a new save replaces it (a crashed session is never saved).
   */
  private restartWorker(): void {
    this.hub!.revive();
    // readWeights callers of the crashed worker are dropped: their promises stay pending, as before the hub.
    this.weightsWaiters = [];
    this.settleConfigure(new Error('The training worker was restarted.'));
    this.apply(startOver(true));
    useStore.setState({
      requested: null,
      restoring: null,
      importing: null,
      sampleInFlight: false,
      decoding: false,
      error: null,
      notice: null,
      steps: 0,
      carriedSteps: 0,
      phase: 'starting',
      applied: null,
      device: null,
      deviceError: null,
      pendingDiscard: null,
    });
    this.applyNow();
  }

  private canRun(): boolean {
    const { phase } = state();
    return this.channel !== null && (phase === 'idle' || phase === 'paused');
  }

  private receive(m: PageInput): void {
    if (m.type !== 'lost') {
      this.metrics.receive(m);
      this.trees.receive(m);
      this.seq2seq.receive(m);
    }
    this.apply(handleMessage(state(), m, { lossEnd: this.metrics.loss.end, weightsWaiting: this.weightsWaiters.length, now: Date.now() }));
  }

  private apply(step: Step | null): void {
    if (!step) return;
    if (Object.keys(step.patch).length) useStore.setState(step.patch);
    for (const effect of step.effects) this.run(effect);
  }

  private run(effect: Effect): void {
    switch (effect.kind) {
      case 'send':
        return this.channel?.send(effect.message);
      case 'clearCurves':
        this.metrics.clear();
        this.seq2seq.clear();
        return this.trees.clear();
      case 'putBackCurves':
        return putBackCurves(this.metrics, effect.saved);
      case 'settleConfigure':
        return this.settleConfigure(effect.error === undefined ? null : new Error(effect.error));
      case 'weightsRead':
        return this.weightsWaiters.shift()?.(effect.bytes);
      case 'download':
        return saveWeights(effect.bytes, effect.fileName);
      case 'checkpoint':
        return this.autosave?.received(effect.checkpoint);
      case 'imported':
        return this.autosave?.afterImport();
      case 'apply':
        this.applyNow();
        return useStore.setState({ error: null, notice: effect.notice });
    }
  }

  /** Resolves (error null) or rejects every whenConfigured caller so far. */
  private settleConfigure(error: Error | null): void {
    const waiters = this.configureWaiters;
    this.configureWaiters = [];
    for (const w of waiters) {
      if (error) w.reject(error);
      else w.resolve();
    }
  }
}

/** The page's one controller; main.tsx starts it. */
export const lab = new PageLab();

const identityOf = (r: RunInfo): RunIdentity => ({ id: r.id, name: r.name, createdAt: r.createdAt, parentId: r.parentId });
