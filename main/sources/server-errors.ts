// Node's socket error codes, as every server Source words them: the server cannot be reached at all, or
// the connection was lost midway. Each driver adds its own codes beside these.

export const SOCKET_UNREACHABLE_CODES: readonly string[] = [
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EAI_AGAIN',
];

export const SOCKET_LOST_CODES: readonly string[] = ['ECONNRESET', 'EPIPE'];
