import type { z } from 'zod';
import { backupOperations } from './backup.ts';
import { browseOperations } from './browse.ts';
import { fleetOperations } from './fleet.ts';
import type { JobDef, OperationDef, QueryDef } from './define.ts';
import { integrityOperations } from './integrity.ts';
import { jobOperations } from './jobs.ts';
import { locatorOperations } from './locator.ts';
import { sourceOperations } from './sources.ts';
import { queryOperations } from './query.ts';
import { maintenanceOperations } from './maintenance.ts';
import { mappingOperations } from './mapping.ts';
import { messagingOperations } from './messaging.ts';

/**
 * Every operation of Chat Inspector, declared once. Main validates inputs against these schemas;
 * the preload bridge, the renderer client and the HTTP server are derived from this object.
 * Capabilities add their own group here (integrity, backup, ...).
 */
export const operations = {
  ...jobOperations,
  ...browseOperations,
  ...integrityOperations,
  ...backupOperations,
  ...fleetOperations,
  ...sourceOperations,
  ...queryOperations,
  ...maintenanceOperations,
  ...mappingOperations,
  ...messagingOperations,
  ...locatorOperations,
} as const satisfies Record<string, OperationDef>;

export type Operations = typeof operations;
export type OperationName = keyof Operations;
export type QueryName = { [K in OperationName]: Operations[K] extends QueryDef ? K : never }[OperationName];
export type JobName = { [K in OperationName]: Operations[K] extends JobDef ? K : never }[OperationName];
/** Operations whose contract says they may write (their handlers alone get the write capability). */
export type WritingName = {
  [K in OperationName]: Operations[K]['writes'] extends true ? K : never;
}[OperationName];

/** What the caller passes (defaults may be omitted). */
export type InputOf<K extends OperationName> = z.input<Operations[K]['input']>;
/** What the handler receives (defaults filled in). */
export type ParsedInputOf<K extends OperationName> = z.output<Operations[K]['input']>;
export type OutputOf<K extends QueryName> =
  Operations[K] extends QueryDef<z.ZodType, infer O> ? z.output<O> : never;
export type EventOf<K extends JobName> =
  Operations[K] extends JobDef<z.ZodType, infer E, z.ZodType> ? z.output<E> : never;
export type ResultOf<K extends JobName> =
  Operations[K] extends JobDef<z.ZodType, z.ZodType, infer R> ? z.output<R> : never;

export const operationNames = Object.keys(operations) as OperationName[];

/** The single IPC channel and HTTP route prefix every transport uses. */
export const IPC_INVOKE_CHANNEL = 'chat-inspector:invoke';
export const HTTP_API_PREFIX = '/api/';

export * from './define.ts';
export * from './jobs.ts';
export * from './browse.ts';
export * from './integrity.ts';
export * from './backup.ts';
export * from './fleet.ts';
export * from './sources.ts';
export * from './mapping.ts';
export * from './locator.ts';
