/**
 * The console API's named errors: each carries the HTTP status it is
 * answered with, and its message is one sentence for the operator.
 */
import { ActionRefused, CampaignNotStoredError, RegistrationError } from '../domain/index.js';

export abstract class HttpError extends Error {
  abstract readonly status: 400 | 404 | 409;
}

/** A parameter is malformed (400). */
export class BadRequestError extends HttpError {
  override name = 'BadRequest';
  readonly status = 400;
}

/** There is no such campaign, authority, delivery or job (404). */
export class NotFoundError extends HttpError {
  override name = 'NotFound';
  readonly status = 404;
}

/** The thing exists but is not in a state the action applies to (409). */
export class ConflictError extends HttpError {
  override name = 'Conflict';
  readonly status = 409;
}

/** An operation's refusal as the error it is answered with; anything else unchanged. */
export function asHttpError(error: unknown): unknown {
  if (error instanceof CampaignNotStoredError) return new NotFoundError(`campaign ${error.campaign} not found`);
  if (error instanceof RegistrationError) return new ConflictError(error.message);
  if (!(error instanceof ActionRefused)) return error;
  if (error.reason === 'not-allowed' || error.reason === 'reason-needed') return new BadRequestError(error.message);
  if (error.reason === 'not-found') return new NotFoundError(error.message);
  return new ConflictError(error.message);
}
