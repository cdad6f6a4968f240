import pkg from '../../package.json' with { type: 'json' };

/** The tool version written into manifests (package.json's, so it never drifts). */
export const TOOL_VERSION: string = pkg.version;
