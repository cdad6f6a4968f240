import { parentPort } from 'node:worker_threads';
import { countChats } from './scan.ts';

// A worker thread of parallelCountLoop (bench/scan.ts): says it is ready, then counts the chats it is sent.
parentPort!.on('message', (dirs: string[]) => parentPort!.postMessage(countChats(dirs)));
parentPort!.postMessage('ready');
