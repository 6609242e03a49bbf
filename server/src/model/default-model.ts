/** Where the shipped default model lives: models/<DEFAULT_MODEL_NAME>/ in the package. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const DEFAULT_MODEL_NAME = 'memoryformer-code-mini';

/**
 * The default model's folder, found by walking up from this file (the bundle in dist/server/ and
 * the sources in server/src/model/ sit at different depths). Undefined when it is not shipped.
 */
export function defaultModelDir(from: string = __dirname): string | undefined {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'models', DEFAULT_MODEL_NAME);
    if (existsSync(join(candidate, 'config.json'))) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}
