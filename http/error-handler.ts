import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PipelineJobsError, type ErrorCode } from '../errors/index.js';
import { HTTP_STATUS } from './http-status.js';

/** The body of every error answer. */
export interface ErrorBody {
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly details: Readonly<Record<string, unknown>>;
  };
}

/** What a request was refused with, for its log line. */
export interface AnsweredError {
  readonly code: ErrorCode;
  readonly message: string;
}

const answered = new WeakMap<FastifyRequest, AnsweredError>();

/** The error a request was answered with, if it was refused. */
export function answeredError(request: FastifyRequest): AnsweredError | undefined {
  return answered.get(request);
}

function body(
  request: FastifyRequest,
  code: ErrorCode,
  message: string,
  details: Readonly<Record<string, unknown>> = {},
): ErrorBody {
  answered.set(request, { code, message });
  return { error: { code, message, details } };
}

/** Fastify refused the body before any parser saw it: say what the limit is, and the size when declared. */
function tooLarge(request: FastifyRequest): [string, Record<string, number>] {
  const limit = request.routeOptions.bodyLimit;
  const declared = request.headers['content-length'];
  const size = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined;
  if (size === undefined) return [`the request body is over the limit of ${limit} bytes`, { limit }];
  return [`the request body is ${size} bytes, over the limit of ${limit}`, { limit, size }];
}

/**
 * The HTTP status of one of our refusals, with its `Retry-After` header when it has one, and
 * recorded for the request's log line: for routes that answer refusals in another body shape
 * (Rubin OCPS's `{status: "error", message}`).
 */
export function refusalStatus(err: PipelineJobsError, request: FastifyRequest, reply: FastifyReply): number {
  const retryAfter = err.details['retryAfterSeconds'];
  if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
  answered.set(request, { code: err.code, message: err.message });
  // A code from a newer manager than this bridge knows still answers, as a server error.
  return HTTP_STATUS[err.code] ?? 500;
}

/**
 * Answers every failure as `{error: {code, message, details}}` with a stable code: our own errors
 * by their code, fastify's request validation as `schema_violation`, unknown routes as
 * `not_found`, anything else as `internal_error` (logged, never echoed).
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | PipelineJobsError, request, reply) => {
    if (err instanceof PipelineJobsError) {
      return reply.code(refusalStatus(err, request, reply)).send(body(request, err.code, err.message, err.details));
    }
    if (err.validation !== undefined) {
      const first = err.validation[0];
      return reply.code(400).send(
        body(request, 'schema_violation', err.message, {
          field: first?.instancePath || first?.params['missingProperty'] || err.validationContext,
        }),
      );
    }
    if (err.statusCode === 413) return reply.code(413).send(body(request, 'payload_too_large', ...tooLarge(request)));
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(400).send(body(request, 'schema_violation', err.message));
    }
    request.log.error({ err }, 'request failed');
    return reply.code(500).send(body(request, 'internal_error', 'internal error'));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(
      body(request, 'not_found', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`, {
        method: request.method,
        url: request.url.split('?')[0],
      }),
    ),
  );
}
