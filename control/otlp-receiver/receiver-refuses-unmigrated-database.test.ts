import { expect, test } from 'vitest';
import { openTempStore } from '../store/test-fixtures.ts';
import { startOtlpReceiver } from './receiver.ts';

test('a database without the trace_spans table is a startup error that says what to run', async () => {
  const store = await openTempStore({ migrated: false });
  try {
    await expect(startOtlpReceiver({ db: store.client, port: 0 })).rejects.toThrow(/no trace_spans table \(run `switchyard db migrate`\)/);
  } finally {
    store.dispose();
  }
});
