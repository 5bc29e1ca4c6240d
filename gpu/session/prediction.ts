// What a task model predicts for validation sequence 0, as the `prediction` message carries it. The
// form follows the model's shape, so any dataset of that shape (e.g. an uploaded series) gets it:
// real inputs + per-step 'mse' + output 1 is a forecast; token inputs + per-step 'ce' over named
// classes is a labelling (tagging, copy); per-sequence 'regress' is one value vector per sequence.
// Shared by the GPU session (outputs read back from the head) and the CPU session (the reference's).

import { sequenceLength } from '../data/batch.ts';
import type { RecurrentData } from './recurrentData.ts';
import type { Prediction } from './protocol.ts';

/** The prediction's form for a session's model, or null where there is none (character models, …). */
export function predictionKind(data: RecurrentData): Prediction['kind'] | null {
  const { input, loss, output } = data.model;
  if (input.kind === 'real' && loss === 'mse' && output === 1) return 'forecast';
  if (input.kind === 'tokens' && loss === 'ce' && data.tokenNames && data.classNames?.length === output) return 'labels';
  if (loss === 'regress') return 'regression';
  return null;
}

/** How many head outputs of sequence 0 the prediction reads: every step's (seqLen × O) or the sequence's (O). */
export function predictionOutputs(data: RecurrentData): number {
  return data.model.loss === 'regress' ? data.model.output : data.seqLen * data.model.output;
}

/**
 * The prediction of sequence 0 from its head outputs: `outputs` holds predictionOutputs(data) values,
 * row t = step t (O per row) for per-step losses; rows past the sequence's end are ignored.
 */
export function buildPrediction(data: RecurrentData, outputs: ArrayLike<number>): Prediction {
  const kind = predictionKind(data);
  if (!kind) throw new Error(`no prediction view for a model with ${data.model.input.kind} inputs and loss "${data.model.loss}"`);
  if (outputs.length !== predictionOutputs(data)) throw new Error(`expected ${predictionOutputs(data)} head outputs of sequence 0, got ${outputs.length}`);
  const v = data.validation;
  const { B } = v;
  const O = data.model.output;
  const n = sequenceLength(v, 0);
  const steps = Array.from({ length: n }, (_, t) => t);
  if (kind === 'regression') return { kind, targets: Array.from(v.targetValues!.subarray(0, O)), predicted: Array.from(outputs) };
  if (kind === 'forecast') {
    const F = v.inputs!.length / (v.T * B);
    return {
      kind,
      // Several input features (e.g. a multi-column series) are not one line beside the target.
      inputs: F === 1 ? steps.map((t) => v.inputs![t * B]) : null,
      targets: steps.map((t) => v.targetValues![t * B]),
      predicted: steps.map((t) => outputs[t]),
    };
  }
  return {
    kind,
    words: steps.map((t) => data.tokenNames![v.tokens![t * B]]),
    classes: data.classNames!.slice(),
    targets: steps.map((t) => v.targets![t * B]),
    predicted: steps.map((t) => argmax(outputs, t * O, O)),
  };
}

/** The index of the largest of `count` values from `offset` (the first on ties). */
function argmax(values: ArrayLike<number>, offset: number, count: number): number {
  let best = 0;
  for (let o = 1; o < count; o++) if (values[offset + o] > values[offset + best]) best = o;
  return best;
}
