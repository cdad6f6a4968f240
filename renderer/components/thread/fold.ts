// Long messages are shown folded (issue 23: a 1,000,000-character message rendered whole made one bubble
// 188,471 px tall and blocked scrolling through the conversation). A message is cut at whichever comes
// first, FOLD_CHARS characters or FOLD_LINES lines, so a folded bubble is a few hundred px at most.

export const FOLD_CHARS = 2_000;
export const FOLD_LINES = 30;

/** Where to cut `text` for its folded view, or null when it is short enough to show whole. */
export function foldAt(text: string): number | null {
  let cut = Math.min(text.length, FOLD_CHARS);
  let newline = -1;
  for (let line = 0; line < FOLD_LINES; line++) {
    newline = text.indexOf('\n', newline + 1);
    if (newline < 0 || newline >= cut) break;
    if (line === FOLD_LINES - 1) cut = newline;
  }
  return cut < text.length ? cut : null;
}
