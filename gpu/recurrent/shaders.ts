// The recurrent model's kernels that are composed from shared fragments (shaders/common/ and
// shaders/recurrent/; gpu/core/wgsl.ts says how): each cell's forward kernels (per step: CPU-shaped
// and GPU-shaped; whole sequence), its backward kernels (the same three), and the two per-row losses.
import activations from '../../shaders/common/activations.wgsl?raw';
import layer from '../../shaders/recurrent/layer.wgsl?raw';
import forwardInput from '../../shaders/recurrent/forwardInput.wgsl?raw';
import step from '../../shaders/recurrent/step.wgsl?raw';
import unitRow from '../../shaders/recurrent/unitRow.wgsl?raw';
import forwardStep from '../../shaders/recurrent/forwardStep.wgsl?raw';
import forwardSeq from '../../shaders/recurrent/forwardSeq.wgsl?raw';
import backwardStep from '../../shaders/recurrent/backwardStep.wgsl?raw';
import tile from '../../shaders/recurrent/tile.wgsl?raw';
import tileSlices from '../../shaders/recurrent/tileSlices.wgsl?raw';
import tileSlicesSubgroup from '../../shaders/recurrent/tileSlicesSubgroup.wgsl?raw';
import forwardTile from '../../shaders/recurrent/forwardTile.wgsl?raw';
import backwardTile from '../../shaders/recurrent/backwardTile.wgsl?raw';
import backwardSeq from '../../shaders/recurrent/backwardSeq.wgsl?raw';
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

export const stepShaders: Record<
  Cell,
  {
    forwardStep: string;
    forwardSeq: string;
    forwardTile: string;
    forwardTileSubgroup: string;
    backwardStep: string;
    backwardTile: string;
    backwardTileSubgroup: string;
    backwardSeq: string;
  }
> = {
  rnn: {
    forwardStep: composeWgsl(activations, layer, forwardInput, step, unitRow, forwardStep, rnnCell, rnnForwardTile),
    forwardSeq: composeWgsl(activations, layer, forwardInput, forwardSeq, rnnCell),
    forwardTile: composeWgsl(activations, layer, forwardInput, step, tile, tileSlices, forwardTile, rnnCell),
    // `enable subgroups` is a directive: it comes first.
    forwardTileSubgroup: composeWgsl(tileSlicesSubgroup, activations, layer, forwardInput, step, tile, forwardTile, rnnCell),
    backwardStep: composeWgsl(layer, step, unitRow, backwardStep, rnnGradient),
    backwardTile: composeWgsl(layer, step, tile, tileSlices, backwardTile, rnnGradient),
    backwardTileSubgroup: composeWgsl(tileSlicesSubgroup, layer, step, tile, backwardTile, rnnGradient),
    backwardSeq: composeWgsl(layer, backwardSeq, rnnGradient),
  },
  gru: {
    forwardStep: composeWgsl(activations, layer, forwardInput, step, forwardStep, gruCell, gruForwardTile),
    forwardSeq: composeWgsl(activations, layer, forwardInput, forwardSeq, gruCell),
    forwardTile: composeWgsl(activations, layer, forwardInput, step, tile, tileSlices, forwardTile, gruCell),
    forwardTileSubgroup: composeWgsl(tileSlicesSubgroup, activations, layer, forwardInput, step, tile, forwardTile, gruCell),
    backwardStep: composeWgsl(layer, step, unitRow, backwardStep, gruGradient),
    backwardTile: composeWgsl(layer, step, tile, tileSlices, backwardTile, gruGradient),
    backwardTileSubgroup: composeWgsl(tileSlicesSubgroup, layer, step, tile, backwardTile, gruGradient),
    backwardSeq: composeWgsl(layer, backwardSeq, gruGradient),
  },
  lstm: {
    forwardStep: composeWgsl(activations, layer, forwardInput, step, forwardStep, lstmCell, lstmForwardTile),
    forwardSeq: composeWgsl(activations, layer, forwardInput, forwardSeq, lstmCell),
    forwardTile: composeWgsl(activations, layer, forwardInput, step, tile, tileSlices, forwardTile, lstmCell),
    forwardTileSubgroup: composeWgsl(tileSlicesSubgroup, activations, layer, forwardInput, step, tile, forwardTile, lstmCell),
    backwardStep: composeWgsl(activations, layer, step, unitRow, backwardStep, lstmGradient),
    backwardTile: composeWgsl(activations, layer, step, tile, tileSlices, backwardTile, lstmGradient),
    backwardTileSubgroup: composeWgsl(tileSlicesSubgroup, activations, layer, step, tile, backwardTile, lstmGradient),
    backwardSeq: composeWgsl(activations, layer, backwardSeq, lstmGradient),
  },
};

export const lossShaders = {
  softmaxXent: composeWgsl(rowLoss, crossEntropy, lossRows, softmaxXent),
  mseLoss: composeWgsl(rowLoss, lossRows, mseLoss),
};
