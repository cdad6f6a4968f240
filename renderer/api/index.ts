export { call, startJob, toAppError, POLL_MS, type JobCallbacks, type JobHandle } from './client.ts';
export { queryClient, useOp, opKey } from './hooks.ts';
export { getBridge, isDesktop, send } from './transport.ts';
export { streamJob, type Stream, type StreamCallbacks } from './stream.ts';
