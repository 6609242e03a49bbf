/**
 * Runs one fine-tune in a child process for the crash tests (finetune.test.ts), which SIGKILL it.
 * argv[2]: JSON { modelDir, workspace, storage, steps, pauseInSave }. Prints "step N" lines
 * while training and "saving" once the new model's weights are written in the temporary folder.
 */
import { runFineTune } from '../../server/src/finetune/finetune.js';

const a = JSON.parse(process.argv[2]!) as { modelDir: string; workspace: string; storage: string; steps: number; pauseInSave: boolean };
void runFineTune({
  modelDir: a.modelDir,
  folders: [a.workspace],
  storageDir: a.storage,
  steps: a.steps,
  batch: 4,
  seq: 64,
  learningRate: 3e-3,
  evalLimit: 4,
  threads: 1,
  onProgress: (p) => {
    if (p.phase === 'train' && p.step !== undefined) process.stdout.write(`step ${p.step}\n`);
  },
  midSave: a.pauseInSave
    ? async () => {
        process.stdout.write('saving\n');
        await new Promise(() => {}); // wait here to be killed
      }
    : undefined,
}).then(() => process.stdout.write('done\n'));
