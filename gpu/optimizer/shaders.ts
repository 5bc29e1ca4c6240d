// The optimizer's kernels, composed with the state struct they share (shaders/optimizer/;
// gpu/core/wgsl.ts says how).
import optState from '../../shaders/optimizer/optState.wgsl?raw';
import gradNorm from '../../shaders/optimizer/gradNorm.wgsl?raw';
import update from '../../shaders/optimizer/optimizer.wgsl?raw';
import { composeWgsl } from '../core/wgsl.ts';

export const optimizerShaders = {
  gradNorm: composeWgsl(optState, gradNorm),
  update: composeWgsl(optState, update),
};
