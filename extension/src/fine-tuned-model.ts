/**
 * This workspace's fine-tuned model: `<workspace storage>/finetuned/` (a whole model folder the
 * server writes atomically, only when the fine-tuned model was better; docs/FINETUNE.md). The
 * extension serves it at start-up and deletes it on "Use Default Model".
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

/** The server's FINETUNED_DIR (server/src/finetune/store.ts); the extension must not import server/. */
export const FINETUNED_DIR = 'finetuned';

/** The fine-tuned model folder when one is there (its config.json exists), else undefined. */
export function findFineTunedModel(storagePath: string | undefined): string | undefined {
  if (!storagePath) return undefined;
  const dir = join(storagePath, FINETUNED_DIR);
  return existsSync(join(dir, 'config.json')) ? dir : undefined;
}

/** Deletes the fine-tuned model folder (the run reports beside it stay). */
export async function discardFineTunedModel(storagePath: string): Promise<void> {
  await rm(join(storagePath, FINETUNED_DIR), { recursive: true, force: true });
}
