/**
 * Words for the intent classifier: lower-case letter/digit runs (any non-ASCII character counts
 * as a letter), plus the punctuation that marks code (braces, brackets, `;`, `=`, `<`, `>`, `#`,
 * backticks), which words alone miss. A hand-written scanner, not a Unicode regex: it is 5x
 * faster, and a 4 KB prompt must be classified in well under 1 ms.
 */
const CODE_MARKS = new Set('{}()[];=<>#`'.split('').map((ch) => ch.charCodeAt(0)));

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c >= 128;
}

/**
 * English function words: in every intent's examples alike, they only add noise to a
 * classifier trained on a few dozen utterances (measured: 5-fold accuracy rises with them out).
 */
const STOP_WORDS = new Set(
  ('a an and are as at be but by can could do does for from had has have how i i\'m in is it its me my of on or our ' +
    'please so some than that the their them then there these this those to too was we were what when where which ' +
    'who why will with would you your').split(' '),
);

/**
 * Words are cut to their first 4 characters, a crude stemmer (summarise/summarize/summary,
 * compile/compiler): on examples/routes.yaml, held-out accuracy 96.7 % against 90 % for 5, 6
 * or whole words; 5-fold cross-validation 76.7 % for 4, 6 and whole words, 75.6 % for 5.
 */
const STEM = 4;

/**
 * Calls `visit` for each content token of `text` (stop words skipped, words cut to STEM
 * characters), at most `max` times; repeats are visited again (the caller dedupes).
 */
export function forEachToken(text: string, max: number, visit: (token: string) => void): void {
  const lower = text.toLowerCase();
  const n = lower.length;
  let visited = 0;
  let i = 0;
  while (i < n && visited < max) {
    const c = lower.charCodeAt(i);
    if (isWordChar(c)) {
      let end = i + 1;
      while (end < n && isWordChar(lower.charCodeAt(end))) end++;
      const word = lower.slice(i, end);
      if (!STOP_WORDS.has(word)) {
        visit(word.length > STEM ? word.slice(0, STEM) : word);
        visited++;
      }
      i = end;
    } else {
      if (CODE_MARKS.has(c)) {
        visit(lower[i] ?? '');
        visited++;
      }
      i++;
    }
  }
}

/** The distinct content tokens of `text` (at most `max` read), in order of first appearance. */
export function tokenize(text: string, max: number): string[] {
  const seen = new Set<string>();
  forEachToken(text, max, (t) => seen.add(t));
  return [...seen];
}
