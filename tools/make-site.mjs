#!/usr/bin/env node
/**
 * make-site: build a static docroot for a session file, one file per URI, with the same
 * deterministic sizes and bytes as `loadgen serve`, so nginx (or any web server) can serve the site.
 *
 *   node tools/make-site.mjs SESSIONFILE DOCROOT     prints the number of files and total bytes
 *   import { makeSite } from './tools/make-site.mjs'  -> { files, bytes, skipped }
 *
 * The logic lives in src/serve/site.ts (with the size rule in src/serve/sizes.ts, shared with the
 * demo server); this script imports the compiled copy from ../dist/, so run `npm run build` first.
 */
import { pathToFileURL } from 'node:url';

/** Load the compiled site builder, with a clear message when the project is not built. */
async function loadSiteModule() {
  try {
    return await import('../dist/serve/site.js');
  } catch (err) {
    if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
      throw new Error('make-site: dist/ is missing; run `npm run build` first');
    }
    throw err;
  }
}

/**
 * Create DOCROOT with a file for every URI of the session file (query strings stripped; a URI
 * ending in `/` becomes `dir/index.html`). Resolves to `{ files, bytes, skipped }`.
 * @param {string} sessionFilePath
 * @param {string} docroot
 */
export async function makeSite(sessionFilePath, docroot) {
  const site = await loadSiteModule();
  return site.makeSite(sessionFilePath, docroot);
}

/** Command-line entry; resolves to the exit code. */
async function main(argv) {
  if (argv.length !== 2 || argv[0].startsWith('-')) {
    process.stderr.write('usage: node tools/make-site.mjs SESSIONFILE DOCROOT\n');
    return 2;
  }
  try {
    const summary = await makeSite(argv[0], argv[1]);
    for (const { uri, reason } of summary.skipped) {
      process.stderr.write(`make-site: skipped ${uri}: ${reason}\n`);
    }
    process.stdout.write(`make-site: ${summary.files} files, ${summary.bytes} bytes in ${argv[1]}\n`);
    return 0;
  } catch (err) {
    // Bad input (missing or malformed session file) is one line, like the loadgen CLI.
    if (err && typeof err.exitCode === 'number') {
      process.stderr.write(`make-site: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`${err?.message?.startsWith('make-site:') ? err.message : err?.stack ?? err}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
