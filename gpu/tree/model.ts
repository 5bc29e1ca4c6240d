// A recursive network over batches of binary trees on the GPU: buffers and prepared dispatches for a
// capacity of nodes, built once; any batch up to that capacity (trees of any shapes and sizes
// together) is uploaded with queue writes, and a step allocates nothing.
//
// Schedule ('level', the default): nodes are sorted by height (trees.ts), so each level of the
// whole batch is one contiguous node range. Forward: one dispatch for the leaves, then one per
// level, bottom up. Head on every node (a GEMM), loss, head gradients. Backward: one dispatch per
// level, top down, each node pulling its gradient from its parent. Then the weight gradients as
// batched reductions over all nodes: dW = δᵀ · [h_left; h_right] (a GEMM), db = Σ δ (fixed-order
// sums), dE grouped by token. The range of each dispatch comes from a table of {start, count}
// entries (256 bytes apart) selected with a dynamic uniform offset, written once per batch.
// Schedule 'node' runs the same kernels one dispatch per node (the baseline of the bench).
//
// Rows are node ids. Row `capacity` of δ, c, gates (and every state buffer) is never written and
// stays zero: it is every root's parent and every leaf's child, so the kernels need no branches for
// them. Rows past the batch are zeroed when a batch is smaller than the last one, so reductions run
// over the whole capacity with fixed sizes.

import embeddingGradCode from '../../shaders/tree/treeEmbeddingGrad.wgsl?raw';
import { packUniform, type GpuContext } from '../core/context.ts';
import { encode, grid1d, prepare, type Dispatch } from '../core/dispatch.ts';
import { gemm } from '../kernels/gemm.ts';
import { inputGrad, weightGrads } from '../kernels/linear.ts';
import { sumRows } from '../kernels/sumRows.ts';
import { groupRowsByToken } from '../data/batch.ts';
import { METRICS } from '../training/metrics.ts';
import type { ParamLayout } from '../core/paramLayout.ts';
import { leafWidth, offsetOf, treeGates, treeParamLayout, type TreeModelConfig } from './config.ts';
import { headTargets, TreeDataError, type TreeBatch } from './trees.ts';
import { TREE_LIMITS } from './parse.ts';
import { levelShaders, treeLossShader } from './shaders.ts';

export type TreeSchedule = 'level' | 'node';

const STRIDE = 256; // bytes between level-table entries: the largest minUniformBufferOffsetAlignment
const WG = 64;
const NODES_PER_INVOCATION = 4;
/** Workgroup width of the level kernels: 64, or H rounded up to 8 when smaller (no idle lanes). */
const levelWidth = (H: number) => Math.min(WG, Math.ceil(H / 8) * 8);
const IGNORE = 0xffffffff;

export interface TreeBuffers {
  params: GPUBuffer;
  grads: GPUBuffer;
  /** Per node (left, right, parent, side); the zero row stands for a missing child or parent. */
  nodes: GPUBuffer;
  tokens: GPUBuffer;
  /** Per node: the head's target class, or IGNORE. */
  targets: GPUBuffer;
  hs: GPUBuffer;
  cs: GPUBuffer | null;
  gates: GPUBuffer | null;
  /** Per node [h_left; h_right] (zeros for leaves), [capacity, 2H]. */
  kids: GPUBuffer;
  logits: GPUBuffer;
  dlogits: GPUBuffer;
  rowLoss: GPUBuffer;
  /** The head's gradient w.r.t. each node's h, [capacity, H]. */
  dhead: GPUBuffer;
  /** δ: the gradient of each node's pre-activations, [capacity + 1, G·H]. */
  dpre: GPUBuffer;
  dc: GPUBuffer | null;
  tokOffsets: GPUBuffer;
  tokRows: GPUBuffer;
  batchInfo: GPUBuffer;
  levelTable: GPUBuffer;
  /** [mean loss, gradient norm, skipped, step], as the recurrent model's. */
  metrics: GPUBuffer;
}

export class TreeGpu {
  readonly layout: ParamLayout;
  readonly buffers: TreeBuffers;
  private leafForward: Dispatch;
  private innerForward: Dispatch;
  private backward: Dispatch;
  private head: Dispatch[];
  private weightGrads: Dispatch[];
  private tableGroup: GPUBindGroup;
  /** The uploaded batch: table entries (start, count) in forward order, and the leaf count. */
  private entries: [number, number][] = [];
  private leaves = 0;
  private N = 0;
  /** Rows [N, dirty) of the state buffers hold values of an earlier, larger batch. */
  private dirty = 0;
  /** Targets past this row are known to be IGNORE. */
  private targetsWritten = 0;
  readonly maxEntries: number;

  constructor(
    private ctx: GpuContext,
    readonly cfg: TreeModelConfig,
    readonly capacity: number,
    readonly schedule: TreeSchedule = 'level',
  ) {
    const maxGrid = ctx.device.limits.maxComputeWorkgroupsPerDimension;
    if (!(Number.isInteger(capacity) && capacity >= 1 && capacity <= maxGrid * NODES_PER_INVOCATION))
      throw new TreeDataError(`capacity must be an integer in [1, ${maxGrid * NODES_PER_INVOCATION}] nodes, got ${capacity}`);
    const layout = (this.layout = treeParamLayout(cfg));
    const { hidden: H, classes: C, vocab: V, cell } = cfg;
    const GH = treeGates(cell) * H;
    const rows = capacity + 1; // + the zero row
    const f32 = 4;
    const lstm = cell === 'lstm';
    this.maxEntries = schedule === 'level' ? TREE_LIMITS.height + 1 : capacity;
    const b = (this.buffers = {
      params: ctx.storage('tree.params', layout.total * f32),
      grads: ctx.storage('tree.grads', layout.total * f32),
      nodes: ctx.storage('tree.nodes', capacity * 16),
      tokens: ctx.storage('tree.tokens', capacity * 4),
      targets: ctx.storage('tree.targets', capacity * 4),
      hs: ctx.storage('tree.hs', rows * H * f32),
      cs: lstm ? ctx.storage('tree.cs', rows * H * f32) : null,
      gates: lstm ? ctx.storage('tree.gates', rows * 5 * H * f32) : null,
      kids: ctx.storage('tree.kids', rows * 2 * H * f32),
      logits: ctx.storage('tree.logits', capacity * C * f32),
      dlogits: ctx.storage('tree.dlogits', capacity * C * f32),
      rowLoss: ctx.storage('tree.rowLoss', capacity * f32),
      dhead: ctx.storage('tree.dhead', capacity * H * f32),
      dpre: ctx.storage('tree.dpre', rows * GH * f32),
      dc: lstm ? ctx.storage('tree.dc', rows * H * f32) : null,
      tokOffsets: ctx.storage('tree.tokOffsets', (V + 1) * 4),
      tokRows: ctx.storage('tree.tokRows', capacity * 4),
      batchInfo: ctx.createBuffer('tree.batchInfo', 16, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
      levelTable: ctx.createBuffer('tree.levels', this.maxEntries * STRIDE, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
      metrics: ctx.storage('tree.metrics', METRICS * 4),
    });
    // Targets start as IGNORE everywhere.
    ctx.device.queue.writeBuffer(b.targets, 0, new Uint32Array(capacity).fill(IGNORE));
    this.targetsWritten = 0;

    this.tableGroup = ctx.device.createBindGroup({
      label: 'tree.levels',
      layout: ctx.cache.stepLayout,
      entries: [{ binding: 0, resource: { buffer: b.levelTable, size: 16 } }],
    });

    const off = (name: string) => offsetOf(layout, name);
    const offsets = ctx.uniform(
      'tree.offsets',
      packUniform([
        ['u32', off('embedding.weight')],
        ['u32', off('tree.weight')],
        ['u32', off('tree.bias')],
      ]),
    );
    const level = (label: string, code: string, entry: string, bindings: readonly ('read' | 'rw')[], buffers: GPUBuffer[]) =>
      prepare(ctx, {
        label,
        code,
        entry,
        constants: { H, WG: levelWidth(H) },
        bindings: ['uniform', ...bindings],
        buffers: [offsets, ...buffers],
        grid: [1],
        stepped: true,
      });
    // Both cells' forward kernels bind params, nodes, tokens, hs and kids first (shaders/tree/forwardLevel.wgsl).
    const { name, fwd, back, backKinds } = lstm
      ? {
          name: 'treeLstm',
          fwd: [b.params, b.nodes, b.tokens, b.hs, b.kids, b.cs!, b.gates!],
          back: [b.params, b.nodes, b.cs!, b.gates!, b.dhead, b.dpre, b.dc!],
          backKinds: ['read', 'read', 'read', 'read', 'read', 'rw', 'rw'] as const,
        }
      : {
          name: 'tree',
          fwd: [b.params, b.nodes, b.tokens, b.hs, b.kids],
          back: [b.params, b.nodes, b.hs, b.dhead, b.dpre],
          backKinds: ['read', 'read', 'read', 'read', 'rw'] as const,
        };
    const fwdKinds = fwd.map((_, i): 'read' | 'rw' => (i < 3 ? 'read' : 'rw'));
    this.leafForward = level(`${name}Forward.leaves`, levelShaders[cell].forward, 'leaves', fwdKinds, fwd);
    this.innerForward = level(`${name}Forward.inner`, levelShaders[cell].forward, 'inner', fwdKinds, fwd);
    this.backward = level(`${name}Backward`, levelShaders[cell].backward, 'main', backKinds, back);

    const N = capacity;
    const grad = (name: string) => ({ buffer: b.grads, offset: off(name) });
    const head = { rows: N, inputs: H, outputs: C };
    const dY = { buffer: b.dlogits };
    this.head = [
      gemm(ctx, 'tree.headForward', {
        M: N,
        N: C,
        K: H,
        transB: true,
        a: { buffer: b.hs },
        b: { buffer: b.params, offset: off('head.weight') },
        bias: { buffer: b.params, offset: off('head.bias') },
        c: { buffer: b.logits },
      }),
      prepare(ctx, {
        label: 'treeLoss',
        code: treeLossShader,
        constants: { C },
        bindings: ['uniform', 'read', 'read', 'rw', 'rw', 'uniform'],
        buffers: [ctx.uniform('treeLoss.rows', packUniform([['u32', N]])), b.logits, b.targets, b.rowLoss, b.dlogits, b.batchInfo],
        grid: grid1d(ctx, Math.ceil(N / WG)),
      }),
      sumRows(ctx, 'tree.meanLoss', { rows: N, cols: 1 }, { buffer: b.rowLoss }, { buffer: b.metrics }),
      ...weightGrads(ctx, 'tree.head', head, { dY, X: { buffer: b.hs }, dW: grad('head.weight'), db: grad('head.bias') }),
      inputGrad(ctx, 'tree.head', head, { dY, W: { buffer: b.params, offset: off('head.weight') }, dX: { buffer: b.dhead } }),
    ];
    const EW = leafWidth(cfg);
    this.weightGrads = [
      // The cell is linear in [h_left; h_right] before its gates: dW = δᵀ · kids, db = Σ δ.
      ...weightGrads(
        ctx,
        'tree.cell',
        { rows: N, inputs: 2 * H, outputs: GH },
        { dY: { buffer: b.dpre }, X: { buffer: b.kids }, dW: grad('tree.weight'), db: grad('tree.bias') },
      ),
      prepare(ctx, {
        label: 'treeEmbeddingGrad',
        code: embeddingGradCode,
        constants: { EW, GW: GH },
        bindings: ['uniform', 'read', 'read', 'read', 'rw'],
        buffers: [ctx.uniform('treeEmbeddingGrad.offsets', packUniform([['u32', off('embedding.weight')]])), b.dpre, b.tokOffsets, b.tokRows, b.grads],
        grid: [Math.ceil(EW / WG), V],
      }),
    ];
  }

  /**
   * Writes a batch into the input buffers (queue writes, ordered before the next submit) and sets
   * the schedule the next encode uses. `targets` (per node, -1 for none) defaults to the batch's
   * labels under the model's heads.
   */
  upload(batch: TreeBatch, targets: Int32Array = headTargets(batch, this.cfg.heads)): void {
    const { capacity, cfg } = this;
    const { N, leaves } = batch;
    if (N > capacity) throw new TreeDataError(`the batch has ${N} nodes; this model was built for at most ${capacity}`);
    const L = batch.levels.length - 1;
    if (L > TREE_LIMITS.height + 1) throw new TreeDataError(`the batch has ${L} levels; at most ${TREE_LIMITS.height + 1} are supported`);
    if (targets.length !== N) throw new TreeDataError(`expected ${N} targets, got ${targets.length}`);
    const zero = capacity;
    const nodes = new Uint32Array(N * 4);
    const tokens = new Uint32Array(N);
    for (let n = 0; n < N; n++) {
      const leaf = batch.left[n] < 0;
      if (leaf !== n < leaves) throw new TreeDataError(`node ${n}: leaves must be the nodes [0, ${leaves})`);
      nodes[4 * n] = leaf ? zero : batch.left[n];
      nodes[4 * n + 1] = leaf ? zero : batch.right[n];
      nodes[4 * n + 2] = batch.parent[n] < 0 ? zero : batch.parent[n];
      nodes[4 * n + 3] = batch.side[n];
      if (leaf) {
        const t = batch.token[n];
        if (!(t >= 0 && t < cfg.vocab)) throw new TreeDataError(`node ${n}: token ${t} is outside the vocabulary of ${cfg.vocab}`);
        tokens[n] = t;
      }
    }
    let count = 0;
    const rows = Math.max(N, this.targetsWritten);
    const t32 = new Uint32Array(rows).fill(IGNORE);
    targets.forEach((t, n) => {
      if (t < 0) return;
      if (!(Number.isInteger(t) && t < cfg.classes)) throw new TreeDataError(`node ${n}: target ${t} is outside the ${cfg.classes} classes`);
      t32[n] = t;
      count++;
    });
    if (count === 0) throw new TreeDataError(`the batch has no targets for heads "${cfg.heads}"`);
    this.targetsWritten = N;

    const entries: [number, number][] = [];
    if (this.schedule === 'level') for (let h = 0; h < L; h++) entries.push([batch.levels[h], batch.levels[h + 1] - batch.levels[h]]);
    else for (let n = 0; n < N; n++) entries.push([n, 1]);
    const table = new Uint32Array((entries.length * STRIDE) / 4);
    entries.forEach(([s, c], k) => {
      table[(k * STRIDE) / 4] = s;
      table[(k * STRIDE) / 4 + 1] = c;
    });
    const { offsets, rows: tokRows } = groupRowsByToken(tokens.subarray(0, leaves), cfg.vocab);

    const q = this.ctx.device.queue;
    const b = this.buffers;
    q.writeBuffer(b.nodes, 0, nodes);
    q.writeBuffer(b.tokens, 0, tokens);
    q.writeBuffer(b.targets, 0, t32);
    q.writeBuffer(b.tokOffsets, 0, offsets);
    if (leaves) q.writeBuffer(b.tokRows, 0, tokRows);
    q.writeBuffer(b.batchInfo, 0, new Float32Array([1 / count, 0, 0, 0]));
    q.writeBuffer(b.levelTable, 0, table);
    this.entries = entries;
    this.leaves = leaves;
    this.N = N;
  }

  /** Before the compute pass: zero the rows a larger earlier batch left past this one's end. */
  encodeClear(encoder: GPUCommandEncoder): void {
    const { N, dirty } = this;
    if (dirty > N) {
      const H = this.cfg.hidden;
      const GH = treeGates(this.cfg.cell) * H;
      const b = this.buffers;
      for (const [buffer, width] of [
        [b.hs, H],
        [b.kids, 2 * H],
        [b.dpre, GH],
      ] as const)
        encoder.clearBuffer(buffer, N * width * 4, (dirty - N) * width * 4);
    }
    this.dirty = N;
  }

  private levels(pass: GPUComputePassEncoder, reverse: boolean): void {
    const H = this.cfg.hidden;
    const gx = Math.ceil(H / levelWidth(H));
    let current: GPUComputePipeline | null = null;
    const n = this.entries.length;
    for (let i = 0; i < n; i++) {
      const k = reverse ? n - 1 - i : i;
      const [start, count] = this.entries[k];
      const d = reverse ? this.backward : start < this.leaves ? this.leafForward : this.innerForward;
      if (d.pipeline !== current) {
        pass.setPipeline(d.pipeline);
        pass.setBindGroup(0, d.bindGroup);
        current = d.pipeline;
      }
      pass.setBindGroup(1, this.tableGroup, [k * STRIDE]);
      pass.dispatchWorkgroups(gx, Math.ceil(count / NODES_PER_INVOCATION));
    }
  }

  /** Leaves, then each level bottom up (or each node, schedule 'node'). */
  encodeForward(pass: GPUComputePassEncoder): void {
    this.levels(pass, false);
  }

  /** Logits, loss, mean loss, the head's weight gradients and dL/dh of every node. */
  encodeHead(pass: GPUComputePassEncoder): void {
    for (const d of this.head) encode(pass, d);
  }

  /** Each level top down, then dW, db and dE as reductions over all nodes. */
  encodeBackward(pass: GPUComputePassEncoder): void {
    this.levels(pass, true);
    for (const d of this.weightGrads) encode(pass, d);
  }

  /** Encodes forward, head and backward for the uploaded batch (clearing stale rows first). */
  encodeGradients(encoder: GPUCommandEncoder): GPUComputePassEncoder {
    this.encodeClear(encoder);
    const pass = encoder.beginComputePass({ label: 'tree' });
    this.encodeForward(pass);
    this.encodeHead(pass);
    this.encodeBackward(pass);
    return pass;
  }

  /** Dispatches of the gradient pass for the uploaded batch (optimizer excluded). */
  get dispatchCount(): number {
    return 2 * this.entries.length + this.head.length + this.weightGrads.length;
  }

  /** Nodes in the uploaded batch. */
  get nodes(): number {
    return this.N;
  }
}
