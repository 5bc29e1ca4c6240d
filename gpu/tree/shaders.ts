// The tree network's kernels that are composed from shared fragments (shaders/common/ and
// shaders/tree/; gpu/core/wgsl.ts says how): the loss.
import rowLoss from '../../shaders/common/rowLoss.wgsl?raw';
import crossEntropy from '../../shaders/common/crossEntropy.wgsl?raw';
import loss from '../../shaders/tree/treeLoss.wgsl?raw';
import { composeWgsl } from '../core/wgsl.ts';

export const treeLossShader = composeWgsl(rowLoss, crossEntropy, loss);
