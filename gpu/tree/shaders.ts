// The tree network's kernels that are composed from shared fragments (shaders/common/ and
// shaders/tree/; gpu/core/wgsl.ts says how): each cell's forward and backward level kernels, and
// the loss.
import activations from '../../shaders/common/activations.wgsl?raw';
import rowLoss from '../../shaders/common/rowLoss.wgsl?raw';
import crossEntropy from '../../shaders/common/crossEntropy.wgsl?raw';
import level from '../../shaders/tree/level.wgsl?raw';
import forwardLevel from '../../shaders/tree/forwardLevel.wgsl?raw';
import backwardLevel from '../../shaders/tree/backwardLevel.wgsl?raw';
import rnnForward from '../../shaders/tree/rnnForwardLevel.wgsl?raw';
import rnnBackward from '../../shaders/tree/rnnBackwardLevel.wgsl?raw';
import lstmForward from '../../shaders/tree/lstmForwardLevel.wgsl?raw';
import lstmBackward from '../../shaders/tree/lstmBackwardLevel.wgsl?raw';
import loss from '../../shaders/tree/treeLoss.wgsl?raw';
import { composeWgsl } from '../core/wgsl.ts';
import type { TreeCell } from './config.ts';

export const levelShaders: Record<TreeCell, { forward: string; backward: string }> = {
  rnn: { forward: composeWgsl(activations, level, forwardLevel, rnnForward), backward: composeWgsl(level, backwardLevel, rnnBackward) },
  lstm: { forward: composeWgsl(activations, level, forwardLevel, lstmForward), backward: composeWgsl(activations, level, backwardLevel, lstmBackward) },
};

export const treeLossShader = composeWgsl(rowLoss, crossEntropy, loss);
