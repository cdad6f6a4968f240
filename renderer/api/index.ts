export { bootAnswerNow, call, startJob, toAppError, type JobCallbacks, type JobHandle } from './client.ts';
export { queryClient, useOp, opKey } from './hooks.ts';
export { getBridge, isDesktop, send, setPaintTarget, watchJob } from './transport.ts';
export { streamJob, type Stream, type StreamCallbacks } from './stream.ts';
