import { visitChatTask } from '../main/fleet/visit.ts';
import { listChats } from '../main/store/layout.ts';
import { argValue, benchRoot } from './common.ts';
import { minimalCountLoop } from './scan.ts';

// `node bench/visit-cpu.ts [--chats 2000] [--rounds 5]`: the CPU time of the fleet's visit of each chat
// (figures + quick check + metadata + identity) against the raw count loop's, both on this one thread,
// measured with process.cpuUsage: unlike wall time, this hardly moves with other work on the machine.
// The full pass's wall time is about this ratio over the two workers, plus the start of the process.

const root = benchRoot(argValue('--chats', 2000));
const rounds = argValue('--rounds', 5);
const { chats } = listChats(root);
const now = Date.now();
const cpuMs = (fn: () => void): number => {
  const started = process.cpuUsage();
  fn();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
};
minimalCountLoop(root); // warm the page cache
const ratios: number[] = [];
for (let r = 0; r < rounds; r++) {
  const raw = cpuMs(() => minimalCountLoop(root));
  const visit = cpuMs(() => {
    for (const chat of chats) visitChatTask({ chatId: chat.chatId, dir: chat.dir, nowMs: now });
  });
  ratios.push(visit / raw);
  console.log(
    `round ${r + 1}: raw loop ${(raw / chats.length).toFixed(3)} ms CPU per chat, visit ${(visit / chats.length).toFixed(3)} ms, ${(visit / raw).toFixed(2)}×`,
  );
}
console.log(
  `visit CPU / raw loop CPU, median of ${rounds}: ${[...ratios].sort((a, b) => a - b)[Math.floor(rounds / 2)]!.toFixed(2)}×`,
);
