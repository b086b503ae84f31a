import { CodedError } from '../../shared/errors/coded-error.ts';

/** Every refusal the OTLP receiver answers with: a stable code, an HTTP status and a message to act on. */
export type ReceiverErrorCode = 'not-found' | 'method-not-allowed' | 'unauthorized' | 'unsupported-media-type' | 'body-too-large' | 'bad-request' | 'database';

export class ReceiverError extends CodedError<ReceiverErrorCode> {
  override readonly name = 'ReceiverError';
}

export const refuse = {
  notFound: () => new ReceiverError('not-found', 404, 'not found: spans go to POST /v1/traces'),
  method: () => new ReceiverError('method-not-allowed', 405, 'use POST /v1/traces'),
  unauthorized: () => new ReceiverError('unauthorized', 401, 'export refused: send Authorization: Bearer <the receiver token>'),
  protobuf: () => new ReceiverError('unsupported-media-type', 415, 'this receiver reads OTLP/JSON only: set the exporter protocol to http/json (OTEL_EXPORTER_OTLP_PROTOCOL=http/json)'),
  notJson: () => new ReceiverError('unsupported-media-type', 415, 'content-type must be application/json (OTLP/JSON)'),
  tooLarge: (max: number) => new ReceiverError('body-too-large', 413, `export request larger than ${max} bytes: lower the exporter's batch size`),
  badGzip: (max: number) => new ReceiverError('bad-request', 400, `gzip body is corrupt or inflates beyond ${max} bytes`),
  badJson: () => new ReceiverError('bad-request', 400, 'the body is not valid JSON'),
  badExport: (problem: string) => new ReceiverError('bad-request', 400, problem),
  // 503: the OTLP exporter retries it (the database may be briefly busy).
  storeFailed: () => new ReceiverError('database', 503, 'could not store the spans; retry'),
};
