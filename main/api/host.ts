import { ensureDemoRoot } from '../fixtures/demo-root.ts';
import { listIntoIndex } from '../fleet/refresh.ts';
import { fleetIndexFor } from '../fleet/registry.ts';
import { keychainFrom } from '../sources/saved.ts';
import { kindOf } from '../sources/registry.ts';
import { sourceSession } from '../sources/session.ts';
import type { HandlerContext } from './context.ts';

// What a transport's host process (the Electron main process, browser mode's server) sets up besides
// running operations: the keychain, the demo root, the server URLs given at start, a first page read ahead.
// Transports reach features only through main/api (.dependency-cruiser.cjs), so these few start-up steps
// are named here rather than imported from sources/, fixtures/ or fleet/ by each transport.

export { ensureDemoRoot, keychainFrom };

/**
 * A server URL given at start (with a MySQL messaging database's cold-archive folder): listed on the Sources
 * screen, connected when opened there; the CLI's reads of it (locator.*) open it by its URL.
 */
export function registerSourceUrl(url: string, archive?: string): void {
  sourceSession.register(url, archive);
}

/** True for a postgres:// or mysql:// (mariadb://) URL: a server source rather than a path. */
export function isServerLocator(locator: string): boolean {
  return kindOf(locator)?.server !== undefined;
}

/** True for a server URL whose kind reads a cold-archive folder beside it (mysql:// messaging). */
export function serverTakesArchive(locator: string): boolean {
  return kindOf(locator)?.server?.takesArchive === true;
}

/** Browser mode: only the URLs given at start may be opened (a page cannot make the server connect anywhere). */
export function restrictSourcesToRegistered(): void {
  sourceSession.restrictToRegistered();
}

/**
 * Lists a root's chats into its fleet index (as not checked yet) if it was never refreshed, so a first page
 * can be read from the index at once; the page's own refresh fills it in.
 */
export function listRootIntoIndex(context: HandlerContext, root: string): void {
  listIntoIndex(fleetIndexFor(context.userDataDir, context.places.requireRoot(root)));
}

/** The chat trees of a root, the current one first (the CLI notes when a root holds more than one). */
export { chatTrees } from '../store/layout.ts';
