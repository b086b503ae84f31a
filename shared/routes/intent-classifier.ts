/**
 * A multinomial naive-Bayes intent classifier, trained once per snapshot load from the
 * example utterances in an app's config (no model download). Written here rather than taken
 * from npm: `natural` pulls mongoose, pg, redis and WordNet (tens of MB, Node built-ins) into
 * the Worker bundle; `classificator` computes in decimal.js (136 ms for a 4 KB prompt, the
 * budget is 1 ms); `bayes` is async-only, gives no per-class scores and reads token counts from
 * plain objects (`constructor`, a common word in code prompts, hits Object.prototype).
 * Log-probabilities are precomputed per token, so classifying is one Map lookup per token.
 */
import { forEachToken, tokenize } from './tokenize.ts';

/** Laplace smoothing: a token seen in one intent's examples only still leaves the others a chance. */
const ALPHA = 1;
/** Tokens read from a prompt at most: the rest adds cost but rarely changes the intent. */
export const MAX_PROMPT_TOKENS = 2048;

export interface Classification {
  readonly label: string;
  /** Probability per label (softmax of the log-likelihoods), summing to 1. */
  readonly scores: Readonly<Record<string, number>>;
}

export interface IntentClassifier {
  readonly labels: readonly string[];
  classify(text: string): Classification;
}

/** Trains on `examples` (label → utterances); labels with no examples are dropped. */
export function trainIntentClassifier(examples: Readonly<Record<string, readonly string[]>>): IntentClassifier {
  const labels = Object.keys(examples).filter((l) => (examples[l]?.length ?? 0) > 0);
  const counts = new Map<string, Float64Array>();
  const totals = new Float64Array(labels.length);
  const docs = new Float64Array(labels.length);
  labels.forEach((label, i) => {
    for (const utterance of examples[label] ?? []) {
      docs[i] = (docs[i] ?? 0) + 1;
      for (const token of tokenize(utterance, MAX_PROMPT_TOKENS)) {
        let row = counts.get(token);
        if (row === undefined) {
          row = new Float64Array(labels.length);
          counts.set(token, row);
        }
        row[i] = (row[i] ?? 0) + 1;
        totals[i] = (totals[i] ?? 0) + 1;
      }
    }
  });
  const vocab = counts.size;
  const docTotal = docs.reduce((a, b) => a + b, 0);
  const logPrior = labels.map((_, i) => Math.log((docs[i] ?? 0) / docTotal));
  // `seenIn`: the call that last counted this token, so a token counts once per text (binary
  // features, as in training) without building a set of the prompt's tokens per call.
  const logProb = new Map<string, { readonly row: Float64Array; seenIn: number }>();
  for (const [token, row] of counts) {
    logProb.set(token, { row: row.map((c, i) => Math.log((c + ALPHA) / ((totals[i] ?? 0) + ALPHA * vocab))), seenIn: 0 });
  }
  let call = 0;
  return {
    labels,
    classify(text: string): Classification {
      const sums = Float64Array.from(logPrior);
      const id = ++call;
      forEachToken(text, MAX_PROMPT_TOKENS, (token) => {
        // Tokens never seen in any example carry no evidence for one intent over another.
        const entry = logProb.get(token);
        if (entry === undefined || entry.seenIn === id) return;
        entry.seenIn = id;
        for (let i = 0; i < sums.length; i++) sums[i] = (sums[i] ?? 0) + (entry.row[i] ?? 0);
      });
      return softmax(labels, sums);
    },
  };
}

function softmax(labels: readonly string[], logs: Float64Array): Classification {
  let best = 0;
  for (let i = 1; i < logs.length; i++) if ((logs[i] ?? -Infinity) > (logs[best] ?? -Infinity)) best = i;
  const max = logs[best] ?? 0;
  let sum = 0;
  const exps = logs.map((l) => {
    const e = Math.exp(l - max);
    sum += e;
    return e;
  });
  const scores: Record<string, number> = {};
  labels.forEach((label, i) => {
    scores[label] = Math.round(((exps[i] ?? 0) / sum) * 1e4) / 1e4;
  });
  return { label: labels[best] ?? '', scores };
}

/**
 * Share of held-out examples classified right: `folds`-fold cross-validation over the
 * examples (every example is tested once by a classifier that never saw it).
 */
export function crossValidatedAccuracy(examples: Readonly<Record<string, readonly string[]>>, folds: number): number {
  let right = 0;
  let total = 0;
  for (let f = 0; f < folds; f++) {
    const train: Record<string, string[]> = {};
    const test: [string, string][] = [];
    for (const [label, list] of Object.entries(examples)) {
      train[label] = list.filter((_, i) => i % folds !== f);
      for (const [i, u] of list.entries()) if (i % folds === f) test.push([label, u]);
    }
    const c = trainIntentClassifier(train);
    for (const [label, u] of test) {
      total++;
      if (c.classify(u).label === label) right++;
    }
  }
  return total === 0 ? 0 : right / total;
}
