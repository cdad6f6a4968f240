// A locator is what names a Source: a path, or a URL that may carry credentials. What may be printed of
// one is decided in shared/redact.ts, for every kind and every transport.
export { redactSecrets } from '../../shared/redact.ts';
