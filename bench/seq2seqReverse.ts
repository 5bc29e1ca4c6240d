// Does attention remove the bottleneck? The same encoder-decoder trained to reverse sequences of up to
// 20 symbols (10 symbols, the reverse task), with attention and without, in one process: every
// `--every` steps, greedy decoding (float64, from weights read back between steps) of 256 held-out
// sequences of exactly 20 symbols and of the task's validation (21-25 symbols, longer than any
// trained on) gives the exact-sequence match and the per-token accuracy. `--teacher-forcing` trains
// each attention kind once per schedule (';'-separated, as train --seq2seq's teacherForcing: `1`,
// `0.5`, `{"to":0,"steps":3000}`), so the same process compares them, and their seconds per step.
//
//   npm run bench:seq2seq -- [--steps 3000] [--every 500] [--attention dot,none] [--cell gru] [--hidden 64] [--batch 32] [--lr 0.003]
//                            [--teacher-forcing '1;{"to":0,"steps":3000}']
//
// Prints one JSON line per evaluation and a summary table (docs/notebooks.md quotes a run).

import { parseArgs } from 'node:util';
import { withNodeDevice } from '../gpu/core/device.node.ts';
import { Rng } from '../gpu/core/rng.ts';
import { parseSeq2SeqConfig, type Attention } from '../gpu/seq2seq/config.ts';
import { Seq2SeqTrainer } from '../gpu/seq2seq/trainer.ts';
import { parseTeacherForcing } from '../gpu/seq2seq/teacherForcing.ts';
import { Seq2SeqReference } from '../gpu/seq2seq/reference.ts';
import { greedyDecode } from '../gpu/seq2seq/decode.ts';
import { createPairTask } from '../gpu/seq2seq/tasks.ts';
import { encodePairs, type PairBatch } from '../gpu/seq2seq/pairs.ts';
import { exactMatch, tokenAccuracy } from '../gpu/seq2seq/metrics.ts';

export async function main(argv: string[]): Promise<number> {
  const { values: a } = parseArgs({
    args: argv,
    options: {
      steps: { type: 'string', default: '3000' },
      every: { type: 'string', default: '500' },
      attention: { type: 'string', default: 'dot,none' },
      cell: { type: 'string', default: 'gru' },
      hidden: { type: 'string', default: '64' },
      batch: { type: 'string', default: '32' },
      lr: { type: 'string', default: '0.003' },
      length: { type: 'string', default: '20' },
      seed: { type: 'string', default: '1' },
      'teacher-forcing': { type: 'string', default: '1' },
    },
  });
  const schedules = a['teacher-forcing'].split(';').map((text) => ({ text, tf: parseTeacherForcing(JSON.parse(text)) }));
  const [steps, every, hidden, B, L, seed] = [a.steps, a.every, a.hidden, a.batch, a.length, a.seed].map(Number);

  const task = createPairTask('reverse', { seed, maxLength: L });
  /** 256 sequences of exactly L symbols, from their own seed: the longest the model trains on. */
  function fullLength(): PairBatch {
    const rng = new Rng(seed + 1000);
    const symbols = task.vocabulary.slice(3);
    const pairs = Array.from({ length: 256 }, () => {
      const s = Array.from({ length: L }, () => symbols[rng.int(symbols.length)]);
      return { source: s, target: [...s].reverse() };
    });
    return encodePairs(pairs, task.vocabulary);
  }
  const sets = { [`length ${L}`]: fullLength(), [`validation (longer)`]: task.validation(256) };

  function evaluate(ref: Seq2SeqReference, params: Float32Array) {
    const p = Float64Array.from(params);
    return Object.fromEntries(
      Object.entries(sets).map(([name, batch]) => {
        const hyps = greedyDecode(ref, p, batch, batch.U);
        const predicted = new Uint32Array(batch.U * batch.B);
        hyps.forEach((h, b) => h.tokens.forEach((id, u) => u < batch.U && (predicted[u * batch.B + b] = id)));
        return [name, { exact: exactMatch(predicted, batch), tokens: tokenAccuracy(predicted, batch) }];
      }),
    );
  }

  const results: Record<string, Record<string, { exact: number; tokens: number }>> = {};
  const msPerStep: Record<string, number> = {};
  await withNodeDevice(async (ctx) => {
    for (const attention of a.attention.split(',') as Attention[])
      for (const { text, tf } of schedules) {
        const run = schedules.length > 1 ? `${attention}, teacher forcing ${text}` : attention;
        const cfg = parseSeq2SeqConfig({ cell: a.cell, hidden, vocab: task.vocabulary.length, attention, bidirectional: true });
        const first = task.batch(B, new Rng(seed + 1));
        const trainer = new Seq2SeqTrainer(ctx, {
          model: cfg,
          S: first.S,
          U: first.U,
          B,
          seed,
          optimizer: { kind: 'adam', lr: Number(a.lr), clip: 1 },
          metricsEvery: 50,
          teacherForcing: tf,
        });
        const ref = new Seq2SeqReference(cfg);
        const rng = new Rng(seed + 2);
        const started = performance.now();
        let training = 0; // ms of training steps alone, evaluations excluded
        for (let step = 1; step <= steps; step++) {
          const t0 = performance.now();
          trainer.step(task.batch(B, rng));
          if (step % every === 0 || step === steps) {
            const loss = await trainer.evaluate(first); // also waits for the queue
            training += performance.now() - t0;
            const e = evaluate(ref, await trainer.readParams());
            results[run] = e;
            console.log(
              JSON.stringify({
                attention,
                ...(schedules.length > 1 ? { teacher_forcing: text } : {}),
                step,
                seconds: Math.round((performance.now() - started) / 1000),
                train_loss: +loss.toFixed(4),
                ...e,
              }),
            );
          } else training += performance.now() - t0;
        }
        msPerStep[run] = training / steps;
        trainer.destroy();
      }
  });
  console.log(
    `\n| attention | ${Object.keys(sets)
      .map((s) => `exact match, ${s} | token accuracy, ${s}`)
      .join(' | ')} |`,
  );
  console.log(
    `|---|${Object.keys(sets)
      .map(() => '---|---|')
      .join('')}`,
  );
  for (const [run, e] of Object.entries(results))
    console.log(
      `| ${run} | ${Object.values(e)
        .map((m) => `${m.exact.toFixed(3)} | ${m.tokens.toFixed(3)}`)
        .join(' | ')} |`,
    );
  // Step time against the first schedule of the same attention kind (the baseline, in this process).
  console.log('');
  for (const attention of a.attention.split(','))
    schedules.forEach(({ text }, i) => {
      const name = (t: string) => (schedules.length > 1 ? `${attention}, teacher forcing ${t}` : attention);
      const base = msPerStep[name(schedules[0].text)];
      const ms = msPerStep[name(text)];
      console.log(`${name(text)}: ${ms.toFixed(1)} ms per training step${i > 0 ? `, ${(ms / base).toFixed(2)}× the first schedule's` : ''}`);
    });
  return 0;
}
