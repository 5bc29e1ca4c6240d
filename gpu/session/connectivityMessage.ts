// The worker's `connectivity` message: ‖∂y_t/∂x_s‖ for validation sequence 0 under the current
// weights (gpu/recurrent/connectivity.ts, float64 on the CPU). Its cost is (output steps × seeds)
// backward passes, so it is computed only where that stays small; elsewhere nothing is posted.

import { connectivity } from '../recurrent/connectivity.ts';
import { GATES } from '../recurrent/config.ts';
import type { RecurrentData } from './recurrentData.ts';
import type { FromWorker } from './protocol.ts';

/** About 10–50 ms of float64 JavaScript: a validation must not stall training for longer. */
const MAX_WORK = 2e8;

export function connectivityMessage(
  data: RecurrentData,
  params: Float32Array | Float64Array,
  step: number,
): Extract<FromWorker, { type: 'connectivity' }> | null {
  const { model, validation } = data;
  const outputSteps = model.loss === 'class' || model.loss === 'regress' ? 1 : data.seqLen;
  const seeds = Math.min(model.output, 16);
  const work = outputSteps * seeds * data.seqLen * GATES[model.cell] * model.hidden * model.hidden * model.layers;
  if (work > MAX_WORK) return null;
  const c = connectivity(model, params, validation, 0);
  return { type: 'connectivity', step, connectivity: { outputSteps: c.outputSteps, inputs: c.inputs, norms: Float32Array.from(c.norms) } };
}
