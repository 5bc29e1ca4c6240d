// Test fixtures for sessions: a session that records what it posts, a small character config and a
// task config, and the losses of a step range out of the `metrics` messages.
import { optimizer } from '../optimizer/config.ts';
import type { FromWorker, SessionConfig, TaskName } from '../session/protocol.ts';
import { TrainingSession, type SessionOptions } from '../session/session.ts';

export type Of<K extends FromWorker['type']> = Extract<FromWorker, { type: K }>;

/** The text of character-model tests: 45 characters × 40, 30 distinct. */
export const FOX = 'the quick brown fox jumps over the lazy dog.\n'.repeat(40);

/**
 * A session on `opts.gpu` (null: the CPU) that records every message; `of`/`last` read them by type,
 * `errors` the errors; `weights` reads the current run's weights (float32, as files hold them).
 */
export function openSession(opts: SessionOptions) {
  const msgs: FromWorker[] = [];
  const session = new TrainingSession((m) => msgs.push(m), { loadCorpus: async () => FOX, validateEvery: 20, ...opts });
  const of = <K extends FromWorker['type']>(type: K) => msgs.filter((m): m is Of<K> => m.type === type);
  const last = <K extends FromWorker['type']>(type: K) => of(type).at(-1);
  const errors = () => of('error');
  const weights = () => session.run!.readParams();
  return { session, msgs, of, last, errors, weights };
}

export type RecordedSession = ReturnType<typeof openSession>;

/** A small character model on FOX. */
export const charConfig = (over: Partial<SessionConfig> = {}): SessionConfig => ({
  dataset: { kind: 'text', name: 'fox.txt', text: FOX },
  cell: 'rnn',
  nonlinearity: 'tanh',
  hidden: 12,
  layers: 1,
  seqLen: 8,
  tbptt: 8,
  batchSize: 4,
  optimizer: optimizer({ lr: 0.02 }),
  seed: 1,
  ...over,
});

/** A small GRU on a built-in task. */
export const taskConfig = (name: TaskName, over: Partial<SessionConfig> = {}): SessionConfig => ({
  ...charConfig({ hidden: 8, seqLen: 12, tbptt: 12, optimizer: optimizer({ lr: 0.01 }), seed: 3, cell: 'gru' }),
  dataset: { kind: 'task', name },
  ...over,
});

/** The losses of steps from..from+n−1 out of a session's `metrics` messages, whatever windows carried them (NaN where none did). */
export function lossesOfSteps(msgs: readonly Of<'metrics'>[], from: number, n: number): Float32Array {
  const out = new Float32Array(n).fill(NaN);
  for (const m of msgs)
    m.losses.forEach((l, i) => {
      const step = m.firstStep + i;
      if (step >= from && step < from + n) out[step - from] = l;
    });
  return out;
}
