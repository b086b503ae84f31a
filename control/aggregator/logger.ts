/** What the aggregator logs through; pino's `Logger` fits. */
export interface AggregatorLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: AggregatorLogger = { debug() {}, info() {}, warn() {}, error() {} };
