/**
 * Deterministic helpers for the offline providers: a fast string hash, a seeded random generator, and
 * the word features the hashed embeddings are built from.
 */

/** 32-bit FNV-1a of a string. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** A seeded generator of floats in [0, 1) (mulberry32). */
export function seededRandom(seed: string | number): () => number {
  let state = typeof seed === 'number' ? seed >>> 0 : fnv1a(seed);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const STOPWORDS = new Set(
  (
    'a an and are as at be but by for from has have in into is it its of on or that the their them they this to was were will with ' +
    'we our you your can not no so than then there these those which who whom what when where why how all any each more most other ' +
    'some such only own same very just also about over under again once here both few via per up out off do does did done been being'
  ).split(' '),
);

/** Lower-case words without stop words, lightly stemmed (plural s). */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const match of text.toLowerCase().matchAll(/[a-z0-9]+/g)) {
    let word = match[0];
    if (STOPWORDS.has(word) || word.length < 2) continue;
    if (word.length > 4 && word.endsWith('s') && !word.endsWith('ss')) word = word.slice(0, -1);
    out.push(word);
  }
  return out;
}
