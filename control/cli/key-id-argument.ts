import { InvalidArgumentError } from 'commander';
import { isWellFormedKeyId, KEY_ID_RULE } from '../../shared/domain/key-id.ts';

/** Commander parser for a key id (`--kid`, `service-keys create --id`): a malformed one is a usage error (exit 2). */
export function keyIdArgument(raw: string): string {
  if (!isWellFormedKeyId(raw))
    throw new InvalidArgumentError(`a key id must be ${KEY_ID_RULE}, got ${JSON.stringify(raw)}`);
  return raw;
}
