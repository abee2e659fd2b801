import { readFileSync } from 'node:fs';

/** The package version, read once from package.json next to dist/. */
function readVersion(): string {
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'valhalla' && pkg.version) return pkg.version;
    } catch {
      // try the next location: the file sits at a different depth in src and in dist
    }
  }
  return 'unknown';
}

export const VERSION = readVersion();
