import { describe, expect, test } from 'vitest';
import { majorityVersions, parseModelsBody } from './served-versions.ts';

describe('parseModelsBody', () => {
  test.each([
    ['our version field', { data: [{ id: 'm', version: 'v2', root: 'm@v2' }] }, [{ model: 'm', version: 'v2' }]],
    ["vLLM's root as the version", { data: [{ id: 'llama', root: '/models/llama-2024-06' }] }, [{ model: 'llama', version: '/models/llama-2024-06' }]],
    ['root equal to id: unversioned', { data: [{ id: 'm', root: 'm' }] }, []],
    ['no data', { object: 'list' }, []],
    ['garbage', 'nope', []],
    ['entries without id skipped', { data: [{ version: 'v1' }, null, { id: 'a', version: 'v1' }] }, [{ model: 'a', version: 'v1' }]],
  ] as const)('%s', (_n, body, want) => {
    expect(parseModelsBody(body)).toEqual(want);
  });
});

describe('majorityVersions', () => {
  test.each([
    ['one replica', [[{ model: 'm', version: 'v1' }]], [{ model: 'm', version: 'v1', replicas: 1 }]],
    ['majority wins', [[{ model: 'm', version: 'v1' }], [{ model: 'm', version: 'v2' }], [{ model: 'm', version: 'v1' }]], [{ model: 'm', version: 'v1', replicas: 2 }]],
    ['tie: the greater version', [[{ model: 'm', version: 'v1' }], [{ model: 'm', version: 'v2' }]], [{ model: 'm', version: 'v2', replicas: 1 }]],
    ['two models', [[{ model: 'b', version: 'x' }, { model: 'a', version: 'y' }]], [{ model: 'a', version: 'y', replicas: 1 }, { model: 'b', version: 'x', replicas: 1 }]],
    ['none', [[], []], []],
  ] as const)('%s', (_n, perReplica, want) => {
    expect(majorityVersions(perReplica)).toEqual(want);
  });
});
