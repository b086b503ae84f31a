/**
 * `switchyard dev` tells the user about every part that dies after the start, each once: the
 * first report used to end the watch, so libSQL dying after a proxy left the stack silently
 * without its database.
 */
import { describe, expect, it } from 'vitest';
import { exitReports } from './exit-report.ts';

const part = (name: string, role: string) => ({ spec: { name, role }, logFile: `/logs/${name}.log`, exited: false });

describe('parts that exit after the start', () => {
  it('are each named once, the second death too', () => {
    const proxy = part('proxy-us-east', 'regional proxy (us-east)');
    const libsql = part('libsql', 'local libSQL endpoint');
    const sim = part('sim-us-east-1', 'simulated GPU cluster (us-east-1)');
    const children = [libsql, proxy, sim];
    const reported = new Set<string>();
    expect(exitReports(children, reported)).toEqual([]);

    proxy.exited = true;
    expect(exitReports(children, reported)).toEqual(['\nregional proxy (us-east) [proxy-us-east] exited; see /logs/proxy-us-east.log\n']);
    expect(exitReports(children, reported)).toEqual([]);

    libsql.exited = true;
    sim.exited = true; // killing a simulated cluster is part of the demo: not reported
    expect(exitReports(children, reported)).toEqual(['\nlocal libSQL endpoint [libsql] exited; see /logs/libsql.log\n']);
    expect(exitReports(children, reported)).toEqual([]);
  });
});
