// How insight sentences quote numbers, and the check that a sentence (or a rewording of it) quotes no others.

/** A figure is a number exactly as the sentence quotes it (percent figures in percent), or a date or symbol. */
export type Figures = Record<string, number | string>;

/** Rounds to `digits` decimals; never returns -0, so "-0.0" cannot appear. */
export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  const r = Math.round(x * f) / f;
  return r === 0 ? 0 : r;
}

/** A ratio as a percentage with one decimal: 0.41326 → 41.3. */
export const pct = (x: number, digits = 1) => round(x * 100, digits);

/** How a figure is written in a sentence: magnitudes only (the words carry the sign), fixed decimals. */
export function show(x: number, digits = 1): string {
  return Math.abs(x).toFixed(digits);
}

const NUMBER = /\d+(?:[.,]\d+)*/g;

/** Every number a text quotes, once the dates and symbols it names (string figures) are taken out. */
export function quotedNumbers(text: string, figures: Figures): number[] {
  let rest = text;
  const words = Object.values(figures)
    .filter((v): v is string => typeof v === "string")
    .sort((a, b) => b.length - a.length);
  for (const w of words) rest = rest.split(w).join(" ");
  return (rest.match(NUMBER) ?? []).map((s) => Number(s.replace(/,/g, "")));
}

/** Whether every number in `text` is one of the numeric figures (by magnitude, to the figure's precision). */
export function quotesOnlyFigures(text: string, figures: Figures): boolean {
  const allowed = Object.values(figures)
    .filter((v): v is number => typeof v === "number")
    .map(Math.abs);
  return quotedNumbers(text, figures).every((n) => allowed.some((a) => Math.abs(a - n) < 1e-9));
}

/**
 * A rewording is kept only when it quotes no number missing from the figures, and is a plain sentence of
 * sane length; anything else falls back to the computed text.
 */
export function acceptRewording(rewording: string, figures: Figures, maxLength = 600): boolean {
  const text = rewording.trim();
  if (text.length === 0 || text.length > maxLength) return false;
  return quotesOnlyFigures(text, figures);
}
