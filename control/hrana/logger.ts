/** The logging surface the server needs; a pino logger satisfies it. */
export interface HranaLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export const noopLogger: HranaLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
