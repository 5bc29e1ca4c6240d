// The recurrent model's kernels that are composed from shared fragments (shaders/common/ and
// shaders/recurrent/; gpu/core/wgsl.ts says how): each cell's per-step forward kernel, whole-sequence
// forward kernel and per-step backward kernel, and the two per-row losses.
import activations from '../../shaders/common/activations.wgsl?raw';
import layer from '../../shaders/recurrent/layer.wgsl?raw';
import forwardInput from '../../shaders/recurrent/forwardInput.wgsl?raw';
import step from '../../shaders/recurrent/step.wgsl?raw';
import unitRow from '../../shaders/recurrent/unitRow.wgsl?raw';
import forwardStep from '../../shaders/recurrent/forwardStep.wgsl?raw';
import forwardSeq from '../../shaders/recurrent/forwardSeq.wgsl?raw';
import backwardStep from '../../shaders/recurrent/backwardStep.wgsl?raw';
import rnnCell from '../../shaders/recurrent/rnnCell.wgsl?raw';
import gruCell from '../../shaders/recurrent/gruCell.wgsl?raw';
import lstmCell from '../../shaders/recurrent/lstmCell.wgsl?raw';
import rnnForwardTile from '../../shaders/recurrent/rnnForwardStep.wgsl?raw';
import gruForwardTile from '../../shaders/recurrent/gruForwardStep.wgsl?raw';
import lstmForwardTile from '../../shaders/recurrent/lstmForwardStep.wgsl?raw';
import rnnGradient from '../../shaders/recurrent/rnnBackwardStep.wgsl?raw';
import gruGradient from '../../shaders/recurrent/gruBackwardStep.wgsl?raw';
import lstmGradient from '../../shaders/recurrent/lstmBackwardStep.wgsl?raw';
import rowLoss from '../../shaders/common/rowLoss.wgsl?raw';
import crossEntropy from '../../shaders/common/crossEntropy.wgsl?raw';
import lossRows from '../../shaders/recurrent/lossRows.wgsl?raw';
import softmaxXent from '../../shaders/recurrent/softmaxXent.wgsl?raw';
import mseLoss from '../../shaders/recurrent/mseLoss.wgsl?raw';
import { composeWgsl } from '../core/wgsl.ts';
import type { Cell } from './config.ts';

export const stepShaders: Record<Cell, { forwardStep: string; forwardSeq: string; backwardStep: string }> = {
  rnn: {
    forwardStep: composeWgsl(layer, forwardInput, step, unitRow, forwardStep, rnnCell, rnnForwardTile),
    forwardSeq: composeWgsl(layer, forwardInput, forwardSeq, rnnCell),
    backwardStep: composeWgsl(layer, step, unitRow, backwardStep, rnnGradient),
  },
  gru: {
    forwardStep: composeWgsl(activations, layer, forwardInput, step, forwardStep, gruCell, gruForwardTile),
    forwardSeq: composeWgsl(activations, layer, forwardInput, forwardSeq, gruCell),
    backwardStep: composeWgsl(layer, step, unitRow, backwardStep, gruGradient),
  },
  lstm: {
    forwardStep: composeWgsl(activations, layer, forwardInput, step, forwardStep, lstmCell, lstmForwardTile),
    forwardSeq: composeWgsl(activations, layer, forwardInput, forwardSeq, lstmCell),
    backwardStep: composeWgsl(layer, step, unitRow, backwardStep, lstmGradient),
  },
};

export const lossShaders = {
  softmaxXent: composeWgsl(rowLoss, crossEntropy, lossRows, softmaxXent),
  mseLoss: composeWgsl(rowLoss, lossRows, mseLoss),
};
