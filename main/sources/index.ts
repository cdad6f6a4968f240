// The Source model: one interface for every store, and the registry kinds register into. It knows no kind:
// the kinds register at the composition root (main/kinds/index.ts), which every entry point imports once.

export { displayLocator, openSource, withSource, registeredSourceKinds } from './registry.ts';
export type * from './types.ts';
