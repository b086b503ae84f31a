import type { TestProject } from 'vitest/node';

export default function setup(project: TestProject): () => Promise<void> {
  project.provide('fixtures', { hello: 'world' });
  return async () => {};
}

declare module 'vitest' {
  export interface ProvidedContext {
    fixtures: { hello: string };
  }
}
