/**
 * The top-level commands as `switchyard --help` lists them: name, what it does, and whether it
 * takes options and arguments. The program's own help, no command and a mistyped one are answered
 * from this index, with no command module loaded (loading all seventeen, with the libSQL client,
 * charts and servers they bring, made `switchyard --help` take ~0.6 s); a named command loads its
 * module, which takes its description from here. `command-index.test.ts` renders the help both
 * ways and compares them.
 */
import { type Command, Option } from 'commander';

export interface CommandEntry {
  readonly description: string;
  /** Whether the command has options of its own (the list shows `[options]`). */
  readonly options: boolean;
  /** Its arguments as commander writes them (`<scenario>`), if it takes any. */
  readonly args?: string;
}

/** In the order help lists them (alphabetical). */
export const COMMAND_INDEX = {
  aggregator: {
    description:
      "scrape a cluster's replicas and push its capacity, health and price to libSQL every interval",
    options: true,
  },
  apply: {
    description:
      'validate a declarative config (projects, API keys, clusters, apps) and write what changed in one batch',
    options: true,
  },
  canary: {
    description: 'policy canaries: live outcomes per policy, and a replay-gated promotion',
    options: false,
  },
  dashboard: {
    description:
      'operations dashboard in the browser (operators only: needs SWITCHYARD_OPERATOR_KEY in the environment)',
    options: true,
  },
  db: { description: 'database maintenance', options: false },
  dev: {
    description:
      'Run the whole system locally: libSQL, edge Worker (workerd), 2 regional proxies, 4 simulated GPU clusters with aggregators. ' +
      'Refuses, changing nothing, while another stack runs from the same state dir or holds one of its ports',
    options: true,
  },
  edge: {
    description:
      'Serve the edge Worker self-hosted on workerd (the same bundle `wrangler deploy` uploads)',
    options: true,
  },
  keys: { description: 'routing-token signing keys', options: false },
  'libsql-server': {
    description: 'Serve a libSQL database file over Hrana/HTTP (local stand-in for Turso)',
    options: true,
  },
  'otlp-receiver': {
    description:
      'Receive OTLP/HTTP JSON traces and store them in libSQL (local trace viewing without a collector)',
    options: true,
  },
  proxy: {
    description:
      'Run a regional proxy: verify routing tokens and carry HTTP/1.1, HTTP/2, SSE and WebSockets to clusters',
    options: true,
  },
  replay: {
    description:
      'back-test: re-run logged decisions through decide() with a changed policy or strategy and report what moves',
    options: true,
  },
  rollout: {
    description:
      'model version rollouts: weighted steps, sticky sessions, held regions, automatic gates',
    options: false,
  },
  'service-keys': {
    description: 'per-app keys for in-region calls through a regional proxy',
    options: false,
  },
  'sim-cluster': {
    description:
      'run simulated OpenAI-compatible GPU inference replicas (SSE, WebSocket, jobs, vLLM metrics, fault injection)',
    options: true,
  },
  simulate: {
    description:
      'discrete-event simulation of a global GPU fleet: compare switchyard with classic strategies on one scenario',
    options: true,
    args: '<scenario>',
  },
  status: {
    description:
      'table of clusters: region, provider, health, state age, draining; per app hot/warm/cold, queue, price, start-up times, queue wait and service time',
    options: true,
  },
} as const satisfies Record<string, CommandEntry>;

export type CommandName = keyof typeof COMMAND_INDEX;

/** The description of a top-level command, for its module's `.description()`. */
export function describeCommand(name: CommandName): string {
  return COMMAND_INDEX[name].description;
}

/**
 * Lists every command on `program` for help and for telling a mistyped name, without its module.
 * The entries are never run: a command line that names one loads its module instead
 * (`modulesFor`); should one run all the same, it says so instead of doing nothing.
 */
export function registerCommandIndex(program: Command): void {
  for (const [name, entry] of Object.entries(COMMAND_INDEX) as Array<[CommandName, CommandEntry]>) {
    const cmd = program.command(name).description(entry.description);
    if (entry.args !== undefined) cmd.arguments(entry.args);
    // Only counted, for the `[options]` the list shows; the command's own help comes from its module.
    if (entry.options) cmd.addOption(new Option('--index-entry').hideHelp());
    cmd
      .allowUnknownOption()
      .allowExcessArguments()
      .action(() => {
        throw new Error(
          `internal: \`switchyard ${name}\` ran from the command index, not its module`,
        );
      });
  }
}
