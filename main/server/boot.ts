import { defaultFirstPage } from '../../shared/contract/index.ts';
import { BOOT_DATA_ID, type BootAnswer } from '../../shared/transport.ts';
import type { HandlerContext } from '../api/context.ts';
import { invoke } from '../api/dispatch.ts';

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
  if (current?.kind === 'root') await ask('fleet.page', defaultFirstPage(current.path));
  return answers;
}

/**
 * index.html with the answers in a JSON data block at the end of <head> (or of the page). A data block is never run (the
 * CSP's "no inline script" stands); every `<` is escaped so no text in the answers can end the block.
 */
export function withBootAnswers(html: string, answers: readonly BootAnswer[]): string {
  if (answers.length === 0) return html;
  const json = JSON.stringify(answers).replace(/</g, '\\u003c');
  const block = `<script type="application/json" id="${BOOT_DATA_ID}">${json}</script>`;
  // The page's module script runs once the whole document is parsed: the block may come anywhere.
  return html.includes('</head>') ? html.replace('</head>', `${block}</head>`) : `${html}${block}`;
}
