/**
 * In-cluster replica choice uses shared/decision's `pickTarget` (round robin,
 * least outstanding, consistent hash, weighted, random, power of two); the
 * proxy needs no replayable randomness, so it passes Math.random as the Rng.
 */
import type { Rng } from '../../shared/decision/types.ts';

export { pickTarget } from '../../shared/decision/pick-target.ts';

export const mathRng: Rng = { next: () => Math.random() };
