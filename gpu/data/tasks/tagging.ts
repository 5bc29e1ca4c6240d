// Named-entity tagging (BIO) on generated sentences: team names ("Arsenal", "Real Madrid") and city
// names ("Paris", "New York") appear at any position among template and filler words; every token is
// tagged O, B-TEAM, I-TEAM, B-CITY or I-CITY. Word-level tokens: each word of a multi-word name is
// its own token. Some words are deliberately ambiguous: "Madrid" is B-CITY alone but I-TEAM in
// "Real Madrid" (likewise Manchester, Munich, Milan, Paris), so the tag depends on the context.
//
// Only the next word tells "Paris" and "Manchester" apart: a city alone, the first word of a team in
// "Paris Saint-Germain" and "Manchester United" (NEXT_WORD_NAMES). Where a clause may begin (the
// sentence's start, after a filler or a connective) nothing before them tells a team's slot from a
// city's, so a unidirectional model can only guess there; a bidirectional one reads the next word.
//
// Sentences: optional leading filler words, then clauses from a small grammar of templates joined by
// connectives (with optional fillers), filled up to an exact length L with filler words. Two entity
// names are never adjacent (a template or filler word always separates them). Training sentences
// have L ≤ ⌊T/2⌋ words; validation sentences are longer, L in (⌊T/2⌋, T], so that generalisation to
// longer sequences can be measured. Ragged: lengths = L, padded with '<pad>' (id 0) tagged O.
// Loss 'ce' per step, output 5.
//
// Baseline: cross-entropy of the best constant tag distribution (the entropy of the tag frequencies)
// over the real steps of the first BASELINE_SEQUENCES validation sentences.

import type { Rng } from '../../core/rng.ts';
import type { Batch } from '../batch.ts';
import { BASELINE_SEQUENCES, checkB, checkSeed, checkT, fillBatch, type Task, type TaskOptions } from './task.ts';

export const TAGGING_TAGS = ['O', 'B-TEAM', 'I-TEAM', 'B-CITY', 'I-CITY'] as const;
export type Tag = (typeof TAGGING_TAGS)[number];
export const TAG = { O: 0, B_TEAM: 1, I_TEAM: 2, B_CITY: 3, I_CITY: 4 } as const;
export const PAD = '<pad>';

export const TEAMS: readonly string[] = [
  'Arsenal',
  'Chelsea',
  'Everton',
  'Celtics',
  'Lakers',
  'Knicks',
  'Bulls',
  'Warriors',
  'Yankees',
  'Dodgers',
  'Cubs',
  'Juventus',
  'Ajax',
  'Benfica',
  'Napoli',
  'Galatasaray',
  'Flamengo',
  'Celtic',
  'Rangers',
  'Fenerbahce',
  'Real Madrid',
  'Atletico Madrid',
  'Manchester United',
  'Bayern Munich',
  'Inter Milan',
  'AC Milan',
  'Paris Saint-Germain',
  'Boca Juniors',
  'River Plate',
  'Red Sox',
  'Maple Leafs',
  'Green Bay Packers',
  'Borussia Dortmund',
];

export const CITIES: readonly string[] = [
  'Paris',
  'Osaka',
  'London',
  'Tokyo',
  'Berlin',
  'Madrid',
  'Rome',
  'Lisbon',
  'Cairo',
  'Lagos',
  'Nairobi',
  'Sydney',
  'Toronto',
  'Chicago',
  'Boston',
  'Denver',
  'Seattle',
  'Mumbai',
  'Delhi',
  'Seoul',
  'Lima',
  'Oslo',
  'Vienna',
  'Prague',
  'Manchester',
  'Munich',
  'Milan',
  'Istanbul',
  'New York',
  'Los Angeles',
  'San Francisco',
  'Rio de Janeiro',
  'Buenos Aires',
  'Hong Kong',
  'Mexico City',
  'Cape Town',
  'Kuala Lumpur',
  'Tel Aviv',
];

/** Clause templates: $T is a team slot, $C a city slot; every other word is tagged O. */
export const TEMPLATES: readonly string[] = [
  '$T won',
  'go $T',
  'visit $C',
  '$T lost again',
  '$T beat $T',
  'they met in $C',
  'he supports $T',
  'rain fell on $C',
  '$C welcomes visitors',
  '$T beat $T in $C',
  '$T lost to $T at home',
  'fans of $T travelled to $C',
  'the match in $C was sold out',
  '$C hosts $T on sunday',
  'we flew from $C to $C',
  '$T signed a striker from $T',
  'the weather in $C is mild',
  'she moved to $C last year',
  'tickets for $T against $T are cheap',
  '$C is lovely in spring',
  '$T will visit $C next week',
  'nobody expected $T to win',
  'the mayor of $C praised $T',
  'the coach of $T resigned',
  '$T and $T drew in $C',
  'my cousin lives near $C',
  'the parade in $C celebrated $T',
  'a bigger stadium for $T opens in $C',
  'the old bridge collapsed',
  'prices went up',
  'the train was late',
];

export const CONNECTIVES: readonly string[] = ['and', 'but', 'while', 'so', 'because', 'although', 'then', 'meanwhile'];

export const FILLERS: readonly string[] = [
  'today',
  'yesterday',
  'apparently',
  'reportedly',
  'honestly',
  'however',
  'indeed',
  'again',
  'still',
  'well',
  'really',
  'surely',
  'frankly',
  'anyway',
  'lately',
  'now',
  'tonight',
  'perhaps',
  'sadly',
  'luckily',
];

const split = (phrase: string) => phrase.split(' ');
const TEAM_WORDS = TEAMS.map(split);
const CITY_WORDS = CITIES.map(split);
const TEMPLATE_WORDS = TEMPLATES.map(split);

/** '<pad>' (id 0), then every word of the entities, templates, connectives and fillers, sorted. */
export const TAGGING_VOCABULARY: readonly string[] = (() => {
  const words = new Set<string>();
  for (const list of [TEAM_WORDS, CITY_WORDS, TEMPLATE_WORDS]) for (const ws of list) for (const w of ws) if (w[0] !== '$') words.add(w);
  for (const w of [...CONNECTIVES, ...FILLERS]) words.add(w);
  return [PAD, ...[...words].sort()];
})();

const WORD_ID = new Map(TAGGING_VOCABULARY.map((w, i) => [w, i]));
const id = (w: string) => WORD_ID.get(w)!;

const TEAM_IDS = TEAM_WORDS.map((ws) => ws.map(id));
const CITY_IDS = CITY_WORDS.map((ws) => ws.map(id));
const FILLER_IDS = FILLERS.map(id);
const CONNECTIVE_IDS = CONNECTIVES.map(id);

type Slot = { kind: 'word'; id: number } | { kind: 'team' } | { kind: 'city' };
const TEMPLATE_SLOTS: Slot[][] = TEMPLATE_WORDS.map((ws) =>
  ws.map((w): Slot => (w === '$T' ? { kind: 'team' } : w === '$C' ? { kind: 'city' } : { kind: 'word', id: id(w) })),
);

/**
 * Words that are a whole name of one kind and the first word of a longer name of the other (a city
 * alone, the start of a team's name): their tag is decided by the next word. Paris and Manchester.
 */
export const NEXT_WORD_NAMES: readonly string[] = (() => {
  const kinds = [TEAM_WORDS, CITY_WORDS];
  return [
    ...new Set(
      kinds.flatMap((names, k) =>
        names.filter((ws) => ws.length === 1 && kinds[1 - k].some((other) => other.length > 1 && other[0] === ws[0])).map((ws) => ws[0]),
      ),
    ),
  ].sort();
})();

const CLAUSE_OPENERS = new Set([...FILLERS, ...CONNECTIVES]);

/**
 * For each word of a sentence: whether its tag is decided only by the word after it, so that a model
 * reading left to right must guess it. That is a NEXT_WORD_NAMES word where a clause may begin: the
 * sentence's first word, or after a filler or a connective, where every clause template (team-first
 * or city-first) may start. (After "and" the slot can also be a template's second team, in "$T and $T
 * drew"; a clause may begin there too, so it is counted.) Elsewhere the word before decides the
 * slot: "visit Paris" is a city, "supports Paris" the start of a team.
 */
export function nextWordDecides(words: readonly string[]): boolean[] {
  return words.map((w, t) => NEXT_WORD_NAMES.includes(w) && (t === 0 || CLAUSE_OPENERS.has(words[t - 1])));
}

export interface Sentence {
  words: number[];
  tags: number[];
}

/** A clause: one template with its entity slots filled. */
function clause(rng: Rng, out: Sentence): void {
  for (const slot of TEMPLATE_SLOTS[rng.int(TEMPLATE_SLOTS.length)]) {
    if (slot.kind === 'word') {
      out.words.push(slot.id);
      out.tags.push(TAG.O);
      continue;
    }
    const team = slot.kind === 'team';
    const name = team ? TEAM_IDS[rng.int(TEAM_IDS.length)] : CITY_IDS[rng.int(CITY_IDS.length)];
    name.forEach((w, i) => {
      out.words.push(w);
      out.tags.push(team ? (i === 0 ? TAG.B_TEAM : TAG.I_TEAM) : i === 0 ? TAG.B_CITY : TAG.I_CITY);
    });
  }
}

function fillers(rng: Rng, count: number, out: Sentence): void {
  for (let i = 0; i < count; i++) {
    out.words.push(FILLER_IDS[rng.int(FILLER_IDS.length)]);
    out.tags.push(TAG.O);
  }
}

/** A sentence of exactly L words (token ids and tag ids). */
export function generateSentence(rng: Rng, L: number): Sentence {
  const s: Sentence = { words: [], tags: [] };
  fillers(rng, Math.min(L, rng.int(3)), s);
  let first = true;
  while (s.words.length < L) {
    // A piece: (connective + up to one filler, unless it is the first clause) + one clause. A piece
    // that does not fit is retried a few times with other templates, then the rest is filler.
    let piece: Sentence | undefined;
    for (let attempt = 0; attempt < 3 && !piece; attempt++) {
      const p: Sentence = { words: [], tags: [] };
      if (!first) {
        p.words.push(CONNECTIVE_IDS[rng.int(CONNECTIVE_IDS.length)]);
        p.tags.push(TAG.O);
        fillers(rng, rng.int(2), p);
      }
      clause(rng, p);
      if (s.words.length + p.words.length <= L) piece = p;
    }
    if (!piece) {
      fillers(rng, L - s.words.length, s);
      break;
    }
    s.words.push(...piece.words);
    s.tags.push(...piece.tags);
    first = false;
  }
  return s;
}

export function taggingTask({ T, seed }: TaskOptions): Task {
  checkT('tagging', T, 2);
  checkSeed('tagging', seed);
  const trainMax = Math.floor(T / 2);
  const trainMin = Math.min(trainMax, 3);
  const validMin = trainMax + 1;

  const make = (B: number, source: Rng | { seed: number }, minL: number, maxL: number): Batch => {
    checkB('tagging', B);
    const tokens = new Uint32Array(T * B); // '<pad>' = 0 …
    const targets = new Uint32Array(T * B); // … tagged O = 0
    const lengths = new Uint32Array(B);
    return fillBatch(
      { T, B, tokens, targets, lengths },
      (b, rng) => {
        const L = minL + rng.int(maxL - minL + 1);
        const { words, tags } = generateSentence(rng, L);
        lengths[b] = L;
        for (let t = 0; t < L; t++) {
          tokens[t * B + b] = words[t];
          targets[t * B + b] = tags[t];
        }
      },
      source,
    );
  };

  const validation = (B: number) => make(B, { seed }, validMin, T);
  return {
    name: 'tagging',
    description: 'Tag team and city names (BIO) in generated sentences; validation sentences are longer than training ones.',
    model: { input: { kind: 'tokens', vocab: TAGGING_VOCABULARY.length }, output: TAGGING_TAGS.length, loss: 'ce' },
    batch: (B, rng) => make(B, rng, trainMin, trainMax),
    validation,
    baseline: tagEntropy(validation(BASELINE_SEQUENCES)),
    vocabulary: TAGGING_VOCABULARY.slice(),
    outputNames: TAGGING_TAGS.slice(),
  };
}

/** Entropy (nats) of the tag frequencies over a batch's real steps: the best constant predictor's CE. */
function tagEntropy(batch: Batch): number {
  const counts = new Array<number>(TAGGING_TAGS.length).fill(0);
  let n = 0;
  for (let b = 0; b < batch.B; b++)
    for (let t = 0; t < batch.lengths![b]; t++) {
      counts[batch.targets![t * batch.B + b]]++;
      n++;
    }
  return -counts.reduce((h, c) => (c ? h + (c / n) * Math.log(c / n) : h), 0);
}
