// The training session as the worker reports it: device, model, status, steps, banners.

import type { StateCreator } from 'zustand';
import type { ModelConfig } from '../../gpu/recurrent/config.ts';
import type { DecodedText, KernelReport, SessionStatus } from '../../gpu/session/protocol.ts';
import type { Seq2SeqModelInfo } from '../seq2seq/seq2seqFeed.ts';
import type { TreeModelInfo } from '../tree/treeFeed.ts';
import type { Store } from './index.ts';

/** 'starting' until the worker found a device and was configured; 'configuring' while it rebuilds. */
export type Phase = 'starting' | 'configuring' | SessionStatus | 'failed';

export interface DeviceInfo {
  adapter: string;
  backend: string;
  limits: Record<string, number>;
}

export interface ModelInfo {
  config: ModelConfig;
  paramCount: number;
  vocabulary: string[] | null;
  stepLabels: string[];
  baseline: number | null;
  /** The GPU run's step kernels and how they were chosen (null on the CPU). */
  kernels: KernelReport | null;
}

export interface SessionSlice {
  phase: Phase;
  steps: number;
  /** Steps the current weights were trained for before the last configuration that kept them. */
  carriedSteps: number;
  device: DeviceInfo | null;
  deviceError: string | null;
  model: ModelInfo | null;
  /** A tree session's model (instead of `model`), from its `treeConfigured`. */
  treeModel: TreeModelInfo | null;
  /** An encoder–decoder's model (instead of `model`), from its `seq2seqConfigured`. */
  seq2seqModel: Seq2SeqModelInfo | null;
  /** The decode box's last answer (an encoder–decoder's beam search of a typed source), and whether one is on its way. */
  decoded: DecodeResult | null;
  decoding: boolean;
  /** The last error from the worker; `fatal`: only Reset (or a new configuration) helps. */
  error: { message: string; fatal: boolean } | null;
  /** Something the user should know that is not a failure (e.g. weights imported). */
  notice: string | null;
  /** An error from the last weights import, shown next to its control. */
  importError: string | null;
  setSession(partial: Partial<SessionSlice>): void;
  dismissBanners(): void;
}

/** The answer to a `decode`: the beam's hypotheses, best first, or why the source could not be decoded. */
export interface DecodeResult {
  source: string;
  beam: number;
  /** The step count (as the page shows it) when the answer came. */
  step: number;
  hypotheses: DecodedText[];
  error: string | null;
}

/** WebGPU is missing and the worker offers no other device: nothing can be trained. */
export const noDevice = (s: Pick<SessionSlice, 'deviceError' | 'device'>): boolean => s.deviceError !== null && s.device === null;

export const createSessionSlice: StateCreator<Store, [], [], SessionSlice> = (set) => ({
  phase: 'starting',
  steps: 0,
  carriedSteps: 0,
  device: null,
  deviceError: null,
  model: null,
  treeModel: null,
  seq2seqModel: null,
  decoded: null,
  decoding: false,
  error: null,
  notice: null,
  importError: null,
  setSession: (partial) => set(partial),
  dismissBanners: () => set({ error: null, notice: null }),
});
