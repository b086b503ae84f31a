/**
 * Words for the intent classifier: lower-case letter/digit runs, plus the punctuation that
 * marks code (braces, brackets, `;`, `=`, `#`, backticks), which words alone miss.
 */
const TOKEN = /[\p{L}\p{N}_]+|[{}()[\];=<>#`]/gu;

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

/** At most `max` distinct content tokens of `text`, in order of first appearance. */
export function tokenize(text: string, max: number): string[] {
  const seen = new Set<string>();
  TOKEN.lastIndex = 0;
  const lower = text.toLowerCase();
  for (let m = TOKEN.exec(lower); m !== null && seen.size < max; m = TOKEN.exec(lower)) {
    if (!STOP_WORDS.has(m[0])) seen.add(m[0].slice(0, STEM));
  }
  return [...seen];
}
