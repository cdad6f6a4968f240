import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultFirstPage } from '../../shared/contract/index.ts';
import { BOOT_DATA_ID, type BootAnswer, type PaintPrefs } from '../../shared/transport.ts';
import type { HandlerContext } from '../api/context.ts';
import { FIRST_SCREEN_GUARD } from './headers.ts';
import { invoke } from '../api/dispatch.ts';
import { listRootIntoIndex } from '../api/host.ts';

/**
 * The answers index.html carries (see BOOT_DATA_ID): the places, and the open root's chat list as it
 * opens, read from the fleet index. The same operations the page would call, through the same dispatcher
 * (validation, offload). Never fails: an answer that cannot be had is left out and the page asks for it.
 */
export async function bootAnswers(context: HandlerContext): Promise<BootAnswer[]> {
  const answers: BootAnswer[] = [];
  const ask = async (operation: string, input: unknown): Promise<unknown> => {
    try {
      const value = await invoke(operation, input, context);
      answers.push({ operation, input, value });
      return value;
    } catch {
      return undefined;
    }
  };
  const places = (await ask('places.list', {})) as
    { current?: { kind: string; path: string } | null } | undefined;
  const current = places?.current;
  if (current?.kind === 'root') {
    // A root never opened before: its chats are listed (as not checked yet) before the first page is read,
    // as the refresh the page starts would list them first. Not queued behind a refresh that runs (the
    // page would wait for all of it): one that runs has listed them already, and a listing adds only
    // what is missing.
    try {
      listRootIntoIndex(context, current.path);
    } catch {
      // the page's own refresh lists them
    }
    await ask('fleet.page', defaultFirstPage(current.path));
    // The list's totals (health counts), for its default filter.
    await ask('fleet.overview', { root: current.path, filter: {} });
  }
  return answers;
}

/** renderer/paint.tsx as built (dist/paint/paint.js): the first screen as HTML. */
type PaintFirstScreen = (request: {
  answers: readonly BootAnswer[];
  language: string;
  theme: 'light' | 'dark' | null;
  target: 'desktop' | 'browser';
}) => string;

const painters = new Map<string, Promise<PaintFirstScreen | null>>();

/**
 * The painter built next to the UI (dist/renderer → dist/paint), loaded once per process; null when it is
 * not there (a build without it, or tests run from the sources): the page is then sent without a first
 * screen and the scripts render it, as before. Call it early (server start) so the first page does not
 * wait for the module to load.
 */
export function loadPainter(staticDir: string): Promise<PaintFirstScreen | null> {
  const path = join(dirname(staticDir), 'paint', 'paint.js');
  let painter = painters.get(path);
  if (!painter) {
    painter = existsSync(path)
      ? import(pathToFileURL(path).href).then(
          (module: { paintFirstScreen?: PaintFirstScreen }) => module.paintFirstScreen ?? null,
          () => null,
        )
      : Promise.resolve(null);
    painters.set(path, painter);
  }
  return painter;
}

export interface PageOptions {
  staticDir: string;
  prefs: PaintPrefs;
  target: 'desktop' | 'browser';
}

/**
 * index.html as the app sends it: the boot answers, and the first screen rendered from them into #root so
 * the list's first rows show as soon as the page is parsed (the scripts then take over). A first screen
 * that cannot be rendered is left out, never an error.
 */
export async function indexPage(
  html: string,
  context: HandlerContext,
  options: PageOptions,
): Promise<string> {
  const [answers, painter] = await Promise.all([bootAnswers(context), loadPainter(options.staticDir)]);
  let painted = '';
  if (painter && answers.length > 0) {
    try {
      painted = painter({
        answers,
        language: options.prefs.language,
        theme: options.prefs.theme,
        target: options.target,
      });
    } catch {
      painted = '';
    }
  }
  if (!painted) return withBootAnswers(html, answers);
  const page = withBootAnswers(html, answers, { html: painted, ...options.prefs });
  return inlineStylesheets(page, options.staticDir);
}

const stylesheets = new Map<string, Promise<string | null>>();

/**
 * The painted screen waits for its stylesheet: the page's own stylesheets (built, in assets/, a few tens
 * of KB) come inside it instead of by another request. Read once per process (their names carry their
 * content's hash). A stylesheet that cannot be read stays a link.
 */
async function inlineStylesheets(page: string, staticDir: string): Promise<string> {
  const links = [...page.matchAll(/<link rel="stylesheet" crossorigin href="\/(assets\/[\w.-]+\.css)">/g)];
  let out = page;
  for (const [link, path] of links) {
    const file = join(staticDir, path!);
    let css = stylesheets.get(file);
    if (!css) {
      css = readFile(file, 'utf8').then(
        (text) => text.replace(/<\/style/gi, '<\\/style'),
        () => null,
      );
      stylesheets.set(file, css);
    }
    const text = await css;
    if (text !== null) out = out.replace(link, () => `<style>${text}</style>`);
  }
  return out;
}

/**
 * Renders index.html once and throws it away, before the first window or browser asks for it: the painter
 * is loaded, and its code, the index's statements and the formatters are warm (the first render costs a
 * few times a later one), and the workers that answer requests are started. Never fails.
 */
export async function warmIndexPage(context: HandlerContext, staticDir: string): Promise<void> {
  // The request pool's workers too: the first page's answers and the first clicks run there.
  context.offload?.warm('operation');
  try {
    const html = await readFile(join(staticDir, 'index.html'), 'utf8');
    await indexPage(html, context, { staticDir, prefs: { language: 'en', theme: null }, target: 'browser' });
  } catch {
    // the first page is then rendered cold, or without its first screen
  }
}

/**
 * index.html with the answers in a JSON data block at the end of <head> (or of the page), and the painted
 * first screen (HTML rendered by React, its text escaped) inside the empty #root. A data block is never run (the CSP's "no
 * inline script" stands); every `<` is escaped so no text in the answers can end the block.
 */
export function withBootAnswers(
  html: string,
  answers: readonly BootAnswer[],
  painted?: { html: string } & PaintPrefs,
): string {
  if (answers.length === 0) return html;
  const json = JSON.stringify(answers).replace(/</g, '\\u003c');
  const block = `<script type="application/json" id="${BOOT_DATA_ID}">${json}</script>`;
  // The page's module script runs once the whole document is parsed: the block may come anywhere.
  let page = html.includes('</head>') ? html.replace('</head>', `${block}</head>`) : `${html}${block}`;
  // data-painted: not live yet (renderer/styles/app.css lets no click through; the app removes it).
  if (painted) {
    page = page.replace('<div id="root"></div>', () => `<div id="root" data-painted>${painted.html}</div>`);
    // In the language it was rendered in, and the theme last shown (the app sets both again as it starts).
    // The guard first in <head>: a script after the stylesheet would wait for it, and hold the parser.
    const theme = painted.theme ? ` data-theme="${painted.theme}"` : '';
    page = page
      .replace('<html lang="en">', `<html lang="${painted.language}"${theme}>`)
      .replace('<head>', `<head><script>${FIRST_SCREEN_GUARD}</script>`);
  }
  return page;
}
