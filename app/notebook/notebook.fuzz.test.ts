// @vitest-environment happy-dom
// Fuzzing what a notebook brings in from outside: share links (the URL fragment), the Markdown
// (rendered to HTML that must stay inert), and the ```rnn cell configs. Inputs are valid links and
// documents, mutated (flips, truncations, splices, other versions, bombs), and Markdown built from
// hostile pieces. See gpu/testing/fuzz.ts for the contract.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { zlibSync } from 'fflate';
import { checkParse, fuzzContract, fuzzParams, fuzzTimeout, INTERESTING_TEXT, mutatedText, scaled, type ParserContract } from '../../gpu/testing/fuzz.ts';
import { decodeNotebookLink, encodeNotebookLink, MAX_LINK_CHARS, MAX_NOTEBOOK_BYTES, NotebookLinkError, toBase64Url } from './shareLink.ts';
import { MAX_CELLS, MAX_MARKDOWN_CHARS, NotebookTooLargeError, renderNotebook, type RenderedNotebook } from './renderMarkdown.ts';
import { formatCell, notebookDatasets, parseCell, VIEWS, type CellParse } from './cellConfig.ts';

// ---------------------------------------------------------------- share links

/** Well-formed Unicode (TextEncoder would replace a lone surrogate, so it cannot round-trip). */
const markdownText = fc.string({ unit: 'grapheme', maxLength: 300 });

const links = fc.oneof(
  { weight: 4, arbitrary: mutatedText(markdownText.map(encodeNotebookLink), 3) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(1000), markdownText).map(([v, md]) => encodeNotebookLink(md).replace(/^nb1\./, `nb${v}.`)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => `#nb1.${toBase64Url(b)}`) },
  // zlib streams with a wrong checksum, or cut anywhere.
  {
    weight: 1,
    arbitrary: fc.tuple(markdownText, fc.nat(), fc.nat(255)).map(([md, at, x]) => {
      const z = zlibSync(new TextEncoder().encode(md));
      z[at % z.length] ^= x || 1;
      return `nb1.${toBase64Url(z)}`;
    }),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
);

const linkContract: ParserContract<string, string> = {
  name: 'decodeNotebookLink',
  parse: decodeNotebookLink,
  throws: [NotebookLinkError],
  // The base64 body decodes to ≤ ¾ of the fragment; inflation is capped at MAX_NOTEBOOK_BYTES.
  maxAllocated: (s) => 2 * s.length + 4 * MAX_NOTEBOOK_BYTES,
  checkOutput: (md) => expect(new TextEncoder().encode(md).length).toBeLessThanOrEqual(MAX_NOTEBOOK_BYTES),
};

describe('fuzz: share links', () => {
  fuzzContract('any mutated link: a NotebookLinkError saying what is wrong, or a notebook within the cap', links, linkContract, 2);

  it(
    'round trip: encodeNotebookLink → decodeNotebookLink gives the same Markdown',
    () => {
      fc.assert(
        fc.property(markdownText, (md) => {
          expect(checkParse(linkContract, encodeNotebookLink(md))).toBe(md);
        }),
        fuzzParams(0.5),
      );
    },
    fuzzTimeout(2, 0.5),
  );

  it(
    'oversized links, decompression bombs among them, are refused within time, memory and the cap',
    () => {
      const bombs = fc
        .tuple(fc.integer({ min: 1, max: 4 }), fc.constantFrom(0x20, 0x61, 0x00))
        .map(([mb, byte]) => `nb1.${toBase64Url(zlibSync(new Uint8Array(mb * 1024 * 1024).fill(byte), { level: 9 }))}`);
      const long = fc.constantFrom('A', 'nb1.', '_').map((c) => `nb1.${c.repeat(MAX_LINK_CHARS + 1)}`);
      fc.assert(
        fc.property(fc.oneof(bombs, long), (link) => {
          const out = checkParse({ ...linkContract, maxMs: 3000 }, link);
          expect(out).toBeUndefined();
        }),
        fuzzParams(0.002),
      );
    },
    fuzzTimeout(800, 0.002),
  );
});

// ---------------------------------------------------------------- Markdown

const HOSTILE_MD = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<svg onload=alert(1)>',
  '<a href="javascript:alert(1)">x</a>',
  '[a](javascript:alert(1))',
  '[a](JaVaScRiPt:alert(1))',
  '[a](java\tscript:alert(1))',
  '[a](&#106;avascript:alert(1))',
  '[a](%6Aavascript:alert(1))',
  '[a](data:text/html;base64,PHNjcmlwdD4=)',
  '[a](vbscript:x)',
  '[a](file:///etc/passwd)',
  '[a](<javascript:alert(1)>)',
  '[a]: javascript:alert(1)\n\n[a]',
  '![i](https://evil.example/t.png)',
  '![i](//evil.example/t.png)',
  '![i](/\\evil.example/t.png)',
  '![i](\\\\evil\\share)',
  '![i](../../secret.png)',
  '![i](%2e%2e/secret.png)',
  '![i](..%2fsecret.png)',
  '![i](data:image/png;base64,AAAA)',
  '![i](blob:https://x/y)',
  '![i](img/ok.png)',
  '![i](./a/../../b.png)',
  '<http://evil.example>',
  '<mailto:a@b.c>',
  '[x](#cell-1)',
  '[x](https://ok.example "t")',
  '[x](mailto:a@b.c)',
  '$\\href{javascript:alert(1)}{x}$',
  '$\\url{javascript:alert(1)}$',
  '$\\includegraphics{https://evil.example/x.png}$',
  '$\\htmlStyle{color:red}{x}$',
  '$\\def\\a{\\a\\a}\\a$',
  '$$\\begin{matrix}a&b\\end{matrix}$$',
  '$x^{y^{z}}$',
  '$\\sqrt{x}$',
  '$\\overrightarrow{ab}$',
  '$',
  '$$',
  '\\$',
  '```rnn\ndataset: adding\n```',
  '```rnn\n__proto__: x\nconstructor: y\ndataset: copy\n```',
  '```rnn\n',
  '~~~rnn\ndataset: sine\n~~~',
  '```',
  '> quote',
  '- item',
  '1. item',
  '# Title',
  '| a | b |\n|---|---|\n| 1 | 2 |',
  '***',
  '`code`',
  '**bold**',
  '_em_',
  '<!-- comment -->',
  '&amp; &#0; &#x110000;',
];

const mdPiece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_MD) },
  { weight: 1, arbitrary: fc.constantFrom(...INTERESTING_TEXT) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom('[', '{', '>', '*', '(', '$', '`', '- ', '    ', '\\{'), fc.integer({ min: 1, max: 400 })).map(([c, n]) => c.repeat(n)),
  },
);
const markdown = mutatedText(
  fc
    .array(mdPiece, { maxLength: 12 })
    .chain((ps) =>
      fc.array(fc.constantFrom('', ' ', '\n', '\n\n'), { minLength: ps.length, maxLength: ps.length }).map((seps) => ps.map((p, i) => p + seps[i]).join('')),
    ),
  3,
);

const BASE = 'https://rnnlab.example/app/notebook.html';
const FORBIDDEN_TAGS = new Set([
  'SCRIPT',
  'IFRAME',
  'FRAME',
  'FRAMESET',
  'OBJECT',
  'EMBED',
  'STYLE',
  'LINK',
  'META',
  'BASE',
  'FORM',
  'INPUT',
  'BUTTON',
  'TEXTAREA',
  'SELECT',
  'AUDIO',
  'VIDEO',
  'SOURCE',
  'TRACK',
  'IMAGE',
  'FOREIGNOBJECT',
  'USE',
  'ANIMATE',
  'SET',
  'NOSCRIPT',
  'TEMPLATE',
  'PORTAL',
  'APPLET',
]);

/** A URL the page would fetch by itself (an image) must resolve inside the page's own folder. */
function staysHome(url: string): boolean {
  try {
    const u = new URL(url, BASE);
    return u.origin === 'https://rnnlab.example' && u.pathname.startsWith('/app/');
  } catch {
    return false;
  }
}

/** Every rule for the HTML a notebook renders to; returns the first breach, or null. */
function breach(html: string): string | null {
  const doc = new DOMParser().parseFromString(`<!doctype html><body>${html}</body>`, 'text/html');
  for (const el of Array.from(doc.body.querySelectorAll('*'))) {
    const tag = el.tagName.toUpperCase();
    if (FORBIDDEN_TAGS.has(tag)) return `a <${el.tagName}> element`;
    for (const attr of Array.from(el.attributes)) {
      const name = attr.name.toLowerCase();
      const value = attr.value.trim();
      if (name.startsWith('on')) return `an event attribute ${name} on <${el.tagName}>`;
      if (['srcset', 'formaction', 'action', 'xlink:href', 'data', 'poster', 'background', 'ping', 'lowsrc', 'dynsrc'].includes(name))
        return `a ${name} attribute on <${el.tagName}>`;
      if (name === 'style' && /url\s*\(|expression\s*\(|@import|javascript:/i.test(value)) return `a style that fetches or runs: ${value}`;
      if (name === 'src') {
        if (tag !== 'IMG') return `a src on <${el.tagName}>`;
        if (!staysHome(value)) return `an image from outside the page's folder: ${value}`;
      }
      if (name === 'href') {
        if (tag !== 'A') return `an href on <${el.tagName}>`;
        const ok = value.startsWith('#') || /^(https?:|mailto:)/i.test(value) || staysHome(value);
        if (!ok) return `a link to ${value}`;
        if (!value.startsWith('#') && !/noopener/.test(el.getAttribute('rel') ?? '')) return `a link without rel=noopener: ${value}`;
      }
    }
  }
  return null;
}

const markdownContract: ParserContract<string, RenderedNotebook> = {
  name: 'renderNotebook',
  parse: renderNotebook,
  throws: [NotebookTooLargeError],
  maxMs: 3000,
  checkOutput(nb, md) {
    for (const p of nb.pieces)
      if (p.kind === 'html') {
        const why = breach(p.html);
        if (why) throw new Error(`rendered ${why}`);
      }
    expect(nb.cells.length).toBeLessThanOrEqual(md.length);
    nb.cells.forEach((c, i) => {
      expect(c.index).toBe(i);
      checkCellParse(c.parse, i + 1);
      if (i >= MAX_CELLS) expect(c.parse.ok).toBe(false);
    });
  },
};

function checkCellParse(p: CellParse, cell: number): void {
  if (p.ok) return;
  expect(p.problems.length).toBeGreaterThan(0);
  for (const q of p.problems) {
    expect(q.cell).toBe(cell);
    expect(q.message.trim().length).toBeGreaterThan(0);
  }
}

describe('fuzz: notebook Markdown', () => {
  fuzzContract(
    'hostile, mutated Markdown renders inert HTML: no script, no handler, no fetch from elsewhere, no way up the tree',
    markdown,
    markdownContract,
    20,
    0.5,
  );

  fuzzContract(
    'Markdown near the size cap renders within the time bound (no superlinear pattern)',
    scaled(
      fc.array(mdPiece, { minLength: 1, maxLength: 3 }).map((p) => p.join('\n')),
      MAX_MARKDOWN_CHARS - 100,
    ),
    { ...markdownContract, maxMs: 20_000, checkOutput: undefined },
    20_000,
    0.002,
  );

  it('over the cap: refused with NotebookTooLargeError before parsing', () => {
    expect(() => renderNotebook('x'.repeat(MAX_MARKDOWN_CHARS + 1))).toThrow(NotebookTooLargeError);
  });
});

// ---------------------------------------------------------------- cell configs

const FIELD_VALUES: Record<string, fc.Arbitrary<string>> = {
  dataset: fc.constantFrom(...notebookDatasets(), 'upload', 'series', ''),
  cell: fc.constantFrom('rnn-tanh', 'rnn-relu', 'gru', 'lstm', 'rnn'),
  hidden: fc.oneof(fc.integer({ min: 1, max: 64 }).map(String), fc.constantFrom('0', '4097', '1e3', '-1', '1.5', '0x10')),
  layers: fc.integer({ min: 0, max: 9 }).map(String),
  seqLen: fc.oneof(fc.integer({ min: 1, max: 40 }).map(String), fc.constant('1025')),
  tbptt: fc.integer({ min: 1, max: 40 }).map(String),
  batchSize: fc.integer({ min: 1, max: 64 }).map(String),
  optimizer: fc.constantFrom('sgd', 'adam', 'adamw', 'lbfgs'),
  lr: fc.constantFrom('0.001', '1e-3', '0', '11', 'NaN', '.5'),
  clip: fc.constantFrom('0', '1', '-1', '1e7'),
  seed: fc.oneof(fc.nat().map(String), fc.constant('2147483648')),
  title: fc.string({ maxLength: 30 }),
  steps: fc.oneof(fc.integer({ min: 1, max: 1000 }).map(String), fc.constantFrom('0', '100001', '1.5', 'abc')),
  views: fc.subarray([...VIEWS, 'bogus']).map((v) => v.join(', ')),
  prompt: fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.string({ maxLength: 12 }).map((s) => `"${s}"`),
    fc.constant('"\\n"'),
  ),
  width: fc.constantFrom('full', 'half', 'wide'),
};
const fieldName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...Object.keys(FIELD_VALUES)) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'Dataset', 'hiden', 'toString') },
);
const cellLine = fieldName.chain((name) => (Object.hasOwn(FIELD_VALUES, name) ? FIELD_VALUES[name] : fc.string({ maxLength: 10 })).map((v) => `${name}: ${v}`));
const cellSource = mutatedText(
  fc
    .array(fc.oneof({ weight: 8, arbitrary: cellLine }, { weight: 1, arbitrary: fc.constantFrom('# comment', '', 'not a field', '   ') }), { maxLength: 10 })
    .map((ls) => ls.join('\n')),
  2,
);

/** Cells that mostly parse: a dataset and a few fields in range (the round trip needs valid specs). */
const validCell = fc
  .record(
    {
      dataset: fc.constantFrom(...notebookDatasets()),
      cell: FIELD_VALUES.cell.filter((c) => c !== 'rnn'),
      hidden: fc.integer({ min: 1, max: 64 }),
      layers: fc.integer({ min: 1, max: 3 }),
      steps: fc.integer({ min: 1, max: 1000 }),
      title: fc.string({ maxLength: 20 }),
      prompt: FIELD_VALUES.prompt,
      width: fc.constantFrom('full', 'half'),
      seed: fc.nat(),
      lr: fc.constantFrom('0.001', '1e-3', '.5', '10'),
    },
    { requiredKeys: ['dataset'] },
  )
  .map((r) =>
    Object.entries(r)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n'),
  );

describe('fuzz: cell configs', () => {
  it(
    'any cell text: a spec, or problems naming the cell and a field, never an exception',
    () => {
      fc.assert(
        fc.property(fc.oneof(validCell, cellSource), fc.integer({ min: 1, max: 30 }), (source, n) => {
          const out = checkParse({ name: 'parseCell', parse: (s: string) => parseCell(s, n), maxMs: 500 }, source);
          checkCellParse(out!, n);
        }),
        fuzzParams(),
      );
    },
    fuzzTimeout(3),
  );

  it(
    'round trip: formatCell(spec) parses back to the same spec',
    () => {
      fc.assert(
        fc.property(fc.oneof(validCell, cellSource), (source) => {
          const first = parseCell(source, 1);
          if (!first.ok) return;
          const again = parseCell(formatCell(first.spec), 1);
          expect(again).toEqual(first);
        }),
        fuzzParams(),
      );
    },
    fuzzTimeout(3),
  );
});
