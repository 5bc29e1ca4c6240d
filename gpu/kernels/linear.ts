// The backward pass of a linear layer y = x Wᵀ + b over rows, on the shared kernels: dW = dYᵀ X and
// db = Σ_rows dY (the weight gradients), dX = dY W (the gradient reaching the input). The heads of
// both model families and the tree cell's weights use it.
import type { GpuContext } from '../core/context.ts';
import type { Dispatch } from '../core/dispatch.ts';
import { gemm, type Operand } from './gemm.ts';
import { sumRows } from './sumRows.ts';

export interface LinearShape {
  rows: number;
  inputs: number;
  outputs: number;
}

/** dW = dYᵀ X ([outputs, inputs]) and db = Σ_rows dY ([outputs]), labelled `${label}WeightGrad` and `${label}BiasGrad`. */
export function weightGrads(ctx: GpuContext, label: string, s: LinearShape, o: { dY: Operand; X: Operand; dW: Operand; db: Operand }): Dispatch[] {
  return [
    gemm(ctx, `${label}WeightGrad`, { M: s.outputs, N: s.inputs, K: s.rows, transA: true, a: o.dY, b: o.X, c: o.dW }),
    sumRows(ctx, `${label}BiasGrad`, { rows: s.rows, cols: s.outputs }, o.dY, o.db),
  ];
}

/** dX = dY W ([rows, inputs]), labelled `${label}InputGrad`. */
export function inputGrad(ctx: GpuContext, label: string, s: LinearShape, o: { dY: Operand; W: Operand; dX: Operand }): Dispatch {
  return gemm(ctx, `${label}InputGrad`, { M: s.rows, N: s.inputs, K: s.outputs, a: o.dY, b: o.W, c: o.dX });
}
