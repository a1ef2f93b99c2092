/**
 * Every record this package stores in Redis, encoded and decoded here: one
 * typed function each way per record type, so no reader parses a writer's
 * string by hand. Records are JSON; the decoders trust it, as only these
 * encoders (and the Lua scripts, which keep the same shape) write it.
 */
import type session from 'express-session';
import {
  type Approval,
  type Authority,
  type Campaign,
  type CompiledLetter,
  type DeliveryRecord,
  type DeliveryStatus,
  type NewDelivery,
  type OfficerOnFile,
  REGISTRATION_STATUSES,
  type Registration,
  type RegistrationEvent,
  type RegistrationStatus,
  type StoredCheck,
  type TestRunSettings,
  type UnverifiedBounce,
} from '../domain/index.js';

function decode<T>(json: string): T {
  return JSON.parse(json) as T;
}

export const encodeDeliveryRecord = (record: Partial<DeliveryRecord>): string => JSON.stringify(record);
export const decodeDeliveryRecord = (json: string): DeliveryRecord => decode<DeliveryRecord>(json);

/**
 * A delivery's queued record as JSON, without the times and closing brace
 * the seed script adds: a DeliveryRecord with status 'queued' and no attempt.
 * Written out field by field, each value through JSON.stringify: this runs
 * for every recipient of every authority in the fan-out.
 */
export function encodeQueuedDeliveryHead(d: NewDelivery): string {
  const s = JSON.stringify;
  return `{"authorityId":${s(d.authorityId)},"recipient":${s(d.recipient)},"role":${s(d.role)},"email":${s(d.email)},"messageId":${s(d.messageId)},"status":"queued","attempts":0`;
}

/** A resend's queued record head: a queued delivery plus the original's Message-ID, who asked and why. */
export function encodeResendDeliveryHead(d: NewDelivery, note: { resendOf: string; resentBy: string; resendReason: string }): string {
  const s = JSON.stringify;
  return `${encodeQueuedDeliveryHead(d)},"resendOf":${s(note.resendOf)},"resentBy":${s(note.resentBy)},"resendReason":${s(note.resendReason)}`;
}

/** The two fields of a delivery record the console's grid shows. */
export interface DeliveryProgress {
  status: DeliveryStatus;
  attempts: number;
}

const STATUS_IN_JSON = /"status":"([a-z-]+)"/;
const ATTEMPTS_IN_JSON = /"attempts":(\d+)/;

/**
 * Status and attempts of a delivery record, without decoding the rest: the
 * console reads every record of a campaign this way, and two regular
 * expressions over the encoding above (and cjson's, which writes the same
 * keys unspaced) are several times cheaper than JSON.parse.
 */
export function decodeDeliveryProgress(json: string): DeliveryProgress | null {
  const status = STATUS_IN_JSON.exec(json)?.[1] as DeliveryStatus | undefined;
  return status ? { status, attempts: Number(ATTEMPTS_IN_JSON.exec(json)?.[1] ?? 0) } : null;
}

export const encodeAuthority = (authority: Authority): string => JSON.stringify(authority);
export const decodeAuthority = (json: string): Authority => decode<Authority>(json);

export const encodeCampaign = (campaign: Campaign): string => JSON.stringify(campaign);
export const decodeCampaign = (json: string): Campaign => decode<Campaign>(json);

export const encodeCompiledLetter = (letter: CompiledLetter): string => JSON.stringify(letter);
export const decodeCompiledLetter = (json: string): CompiledLetter => decode<CompiledLetter>(json);

export const encodeApproval = (approval: Approval): string => JSON.stringify(approval);
export const decodeApproval = (json: string): Approval => decode<Approval>(json);

export const encodeStoredCheck = (check: StoredCheck): string => JSON.stringify(check);
export const decodeStoredCheck = (json: string): StoredCheck => decode<StoredCheck>(json);

export const encodeTestRunSettings = (settings: TestRunSettings): string => JSON.stringify(settings);
export const decodeTestRunSettings = (json: string): TestRunSettings => decode<TestRunSettings>(json);

export const encodeSession = (data: session.SessionData): string => JSON.stringify(data);
export const decodeSession = (json: string): session.SessionData => decode<session.SessionData>(json);

/** A registration as a Redis hash, and back: the only place its fields are spelled. */
export function encodeRegistration(r: Registration): Record<string, string> {
  const hash: Record<string, string> = {
    id: r.id,
    authorityId: r.authorityId,
    authorityName: r.authorityName,
    name: r.name,
    email: r.email,
    ceDomain: r.ceDomain,
    officersOnFile: JSON.stringify(r.officersOnFile),
    status: r.status,
    createdAt: String(r.createdAt),
    confirmedAt: String(r.confirmedAt),
    confirmedFrom: r.confirmedFrom,
    events: encodeRegistrationEvents(r.events),
  };
  if (r.headDomain !== undefined) hash.headDomain = r.headDomain;
  if (r.decidedBy !== undefined) hash.decidedBy = r.decidedBy;
  if (r.decidedAt !== undefined) hash.decidedAt = String(r.decidedAt);
  if (r.decisionReason !== undefined) hash.decisionReason = r.decisionReason;
  if (r.withdrawnAt !== undefined) hash.withdrawnAt = String(r.withdrawnAt);
  return hash;
}

/** The hash fields a decision writes, and those it clears (a decision without a reason leaves none behind). */
export function encodeRegistrationDecision(r: Registration): { set: Record<string, string>; clear: string[] } {
  const set: Record<string, string> = { status: r.status, events: encodeRegistrationEvents(r.events) };
  if (r.decidedBy !== undefined) set.decidedBy = r.decidedBy;
  if (r.decidedAt !== undefined) set.decidedAt = String(r.decidedAt);
  if (r.decisionReason !== undefined) set.decisionReason = r.decisionReason;
  if (r.withdrawnAt !== undefined) set.withdrawnAt = String(r.withdrawnAt);
  return { set, clear: r.decisionReason === undefined ? ['decisionReason'] : [] };
}

export const encodeRegistrationEvents = (events: readonly RegistrationEvent[]): string => JSON.stringify(events);

export function decodeRegistration(hash: Record<string, string>): Registration | null {
  const status = hash.status as RegistrationStatus;
  if (!hash.id || !hash.email || !REGISTRATION_STATUSES.includes(status)) return null;
  const confirmedAt = Number(hash.confirmedAt);
  return {
    id: hash.id,
    authorityId: hash.authorityId ?? '',
    authorityName: hash.authorityName ?? '',
    name: hash.name ?? '',
    email: hash.email,
    ceDomain: hash.ceDomain ?? '',
    ...(hash.headDomain !== undefined ? { headDomain: hash.headDomain } : {}),
    officersOnFile: hash.officersOnFile ? decode<OfficerOnFile[]>(hash.officersOnFile) : [],
    status,
    createdAt: Number(hash.createdAt),
    confirmedAt,
    confirmedFrom: hash.confirmedFrom ?? '',
    ...(hash.decidedBy !== undefined ? { decidedBy: hash.decidedBy } : {}),
    ...(hash.decidedAt !== undefined ? { decidedAt: Number(hash.decidedAt) } : {}),
    ...(hash.decisionReason !== undefined ? { decisionReason: hash.decisionReason } : {}),
    ...(hash.withdrawnAt !== undefined ? { withdrawnAt: Number(hash.withdrawnAt) } : {}),
    // A registration stored before events were kept: its confirmation is the one event known.
    events: hash.events
      ? decode<RegistrationEvent[]>(hash.events)
      : [{ at: confirmedAt, what: 'confirmed', from: hash.confirmedFrom ?? '' }],
  };
}

export const encodeUnverifiedBounce = (bounce: UnverifiedBounce): string => JSON.stringify(bounce);
export const decodeUnverifiedBounce = (json: string): UnverifiedBounce => decode<UnverifiedBounce>(json);
