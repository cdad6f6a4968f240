import pkg from '../../package.json' with { type: 'json' };

/**
 * The product's version, package.json's (so it never drifts): `--version`, and the tool version written into
 * backup manifests. esbuild inlines the JSON into the bundles; under plain Node it is read as a JSON module.
 */
export const VERSION: string = pkg.version;
