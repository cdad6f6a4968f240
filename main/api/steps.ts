// The worker halves of operations that run on the main thread for its memory (the session registry, one
// refresh per fleet index at a time): whatever of them touches a file, SQLite or a server runs here, in a
// worker of the pool, and the handler on the main thread keeps only what comes back. One task of the task
// table (`step`, main/tasks.ts) runs them all; `runStep` is how a handler asks for one.

import '../kinds/index.ts';
import type { ChatMapping } from '../../shared/contract/mapping.ts';
import { AppError } from '../../shared/errors.ts';
import type { JobContext } from '../jobs/job.ts';
import { resolveMapping } from '../mapping/mapping.ts';
import { saveMapping } from '../mapping/store.ts';
import { fleetIndexFor } from '../fleet/registry.ts';
import { refreshIndex } from '../fleet/refresh.ts';
import { keychainAnswers, SavedConnections, type ConnectionsView } from '../sources/saved.ts';
import { sourceSession, type SessionEntrySnapshot } from '../sources/session.ts';
import { WorkerPool } from '../workers/pool.ts';
import type { TaskContext } from '../workers/tasks.ts';
import type { HandlerContext } from './context.ts';

/** How long a step of a request may take in its worker (ctx.deadlineMs overrides), as any read. */
const STEP_DEADLINE_MS = 10_000;

/** A source of the session opened in this worker (kept open here for its next reads); its kind. */
async function openSourceStep(entry: SessionEntrySnapshot): Promise<{ kind: string | null }> {
  sourceSession.adoptOne(entry);
  const source = await sourceSession.open(entry.id);
  return { kind: source.summary().kind };
}

/**
 * A mapping checked against the source's tables, remembered in Chat Inspector's own folder, and the
 * source opened again with it (a mapping that names no real column is refused, nothing written).
 */
async function saveMappingStep(item: {
  entry: SessionEntrySnapshot;
  mapping: ChatMapping | null;
  userDataDir: string;
}): Promise<{ kind: string; hasConversations: boolean }> {
  sourceSession.adoptOne(item.entry);
  const source = await sourceSession.open(item.entry.id);
  const engine = source.sqlEngine?.();
  if (!engine)
    throw new AppError('invalid_input', 'this source is not one SQL database: there is nothing to map');
  if (item.mapping) await resolveMapping(engine, await engine.tables(), item.mapping);
  saveMapping(source.summary().source, item.mapping, item.userDataDir);
  const reopened = await sourceSession.reopen(item.entry.id, {
    mapping: item.mapping ?? undefined,
    mappingHome: item.userDataDir,
  });
  const summary = reopened.summary();
  return { kind: summary.kind, hasConversations: summary.hasConversations };
}

/** A root's fleet index brought up to date, written from this worker; each chat is read in the fan-out pool. */
function refreshFleetStep(
  item: { userDataDir: string; root: string; nowMs: number; poolSize: number },
  task: TaskContext,
) {
  const fanOut = task.fanOut;
  if (!fanOut) throw new AppError('internal', 'fleet.refresh was given no pool to read the chats in');
  return refreshIndex(fleetIndexFor(item.userDataDir, item.root), task as JobContext<{ updated: number }>, {
    pool: { size: item.poolSize, map: (name, items, options) => fanOut.map(name, items, options) },
    now: new Date(item.nowMs),
  });
}

/** What the saved connections' steps need of the context: the file's folder, the clock, the keychain's answers. */
interface ConnectionsPlace {
  userDataDir: string;
  nowMs: number;
  /** The keychain works (main thread's answer) and the password it sealed for a save, if any. */
  keychain: { available: boolean; sealed: string | null };
  /** False in browser mode: the recent server URLs are neither shown nor written. */
  rememberRecent: boolean;
}

const connectionsAt = (place: ConnectionsPlace) =>
  new SavedConnections(place.userDataDir, keychainAnswers(place.keychain), () => new Date(place.nowMs));

const viewOf = (place: ConnectionsPlace, store: SavedConnections): ConnectionsView => {
  const shown = store.view();
  return place.rememberRecent ? shown : { ...shown, recent: [] };
};

const steps = {
  'connections.view': (place: ConnectionsPlace) => viewOf(place, connectionsAt(place)),
  'connections.save': (item: { place: ConnectionsPlace; save: Parameters<SavedConnections['save']>[0] }) => {
    const store = connectionsAt(item.place);
    store.save(item.save);
    return viewOf(item.place, store);
  },
  'connections.forget': (item: {
    place: ConnectionsPlace;
    saved?: string | undefined;
    recent?: string | undefined;
  }) => {
    const store = connectionsAt(item.place);
    store.forget({ saved: item.saved, recent: item.recent });
    return viewOf(item.place, store);
  },
  'connections.sealed': (item: { place: ConnectionsPlace; savedId: string }) =>
    connectionsAt(item.place).sealed(item.savedId),
  /** A server URL just opened goes to the recent list (without its password). */
  'connections.remember': (item: { place: ConnectionsPlace; url: string }) => {
    if (item.place.rememberRecent) connectionsAt(item.place).remember(item.url);
    return null;
  },
  'sources.open': openSourceStep,
  'sources.saveMapping': saveMappingStep,
  'fleet.refresh': refreshFleetStep,
};

type Steps = typeof steps;
export type StepName = keyof Steps;
type ArgsOf<N extends StepName> = Parameters<Steps[N]>[0];
type ResultOf<N extends StepName> = Awaited<ReturnType<Steps[N]>>;

export interface StepItem {
  name: StepName;
  args: unknown;
}

/** The worker task behind every step (main/tasks.ts). */
export function runStepTask(item: StepItem, task: TaskContext): Promise<unknown> {
  const step = steps[item.name] as (args: unknown, task: TaskContext) => unknown;
  return Promise.resolve(step(item.args, task));
}

/** Steps of a context without a request pool (unit tests of handlers) run on the caller's thread. */
const inline = new WorkerPool(0);

/**
 * Runs one step in a worker of the request pool: with the job's cancel, progress and events when it is
 * a job's work, else with a read's deadline (`describe` says what was stopped).
 */
export async function runStep<N extends StepName>(
  ctx: HandlerContext,
  name: N,
  args: ArgsOf<N>,
  options: { job?: JobContext; describe?: string } = {},
): Promise<ResultOf<N>> {
  const pool = ctx.offload ?? inline;
  const { job } = options;
  const item: StepItem = { name, args };
  const result = job
    ? await pool.run('step', item, {
        signal: job.signal,
        onProgress: (done, total, current) => job.progress(done, total, current),
        onEvent: (event) => job.emit(event),
        fanOut: ctx.pool,
      })
    : await pool.run('step', item, {
        deadlineMs: ctx.deadlineMs ?? STEP_DEADLINE_MS,
        describe: options.describe,
        fanOut: ctx.pool,
      });
  return result as ResultOf<N>;
}
