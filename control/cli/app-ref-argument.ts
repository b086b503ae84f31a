import { InvalidArgumentError } from 'commander';
import { parseAppRef } from '../../shared/domain/app-ref.ts';

/** Commander parser for an `<app>` argument or `--app` value: a malformed one is a usage error (exit 2). */
export function appRefArgument(raw: string): string {
  const ref = parseAppRef(raw);
  if (!ref.ok) throw new InvalidArgumentError(ref.message);
  return ref.appId;
}
