/**
 * Owns the model worker: loads a model, switches to another one safely (the old model keeps
 * serving until the new one has loaded; if the new one fails, the old one stays), and restarts a
 * worker that died (up to MAX_RESTARTS times in a row, then reports the error).
 */
import type { ModelInfo, ModelProfile } from '../../../protocol/lsp.js';
import type { CompletionRequest } from './completion-model.js';
import { ModelWorkerClient, type WorkerCompletion } from './model-worker-client.js';
import type { PostProcessContext } from './post-process.js';
import { describeSpec, type ModelSpec } from './worker-protocol.js';

export type HostState = 'idle' | 'loading' | 'ready' | 'error';

const MAX_RESTARTS = 3;

export class ModelHost {
  private current: { client: ModelWorkerClient; spec: ModelSpec } | undefined;
  private loadSeq = 0;
  private restarts = 0;
  state: HostState = 'idle';
  message: string | undefined;
  /** Called after state, model or message change. */
  onChange: () => void = () => {};
  log: (level: 'error' | 'warn' | 'info' | 'debug', text: string) => void = () => {};

  constructor(private readonly makeClient: () => ModelWorkerClient = () => new ModelWorkerClient()) {}

  get info(): ModelInfo | undefined {
    return this.current?.client.info;
  }

  get source(): string | undefined {
    return this.current ? describeSpec(this.current.spec) : undefined;
  }

  /** Loads `spec` in a fresh worker; on success it replaces the current model. Rejects with the load error. */
  async load(spec: ModelSpec): Promise<void> {
    const seq = ++this.loadSeq;
    const previousState = this.state;
    if (!this.current) this.setState('loading', `loading ${describeSpec(spec)}`);
    else this.message = `loading ${describeSpec(spec)} (still serving ${this.source})`;
    this.onChange();
    let client: ModelWorkerClient | undefined;
    try {
      client = this.makeClient();
      await client.load(spec);
    } catch (e) {
      void client?.dispose();
      const text = `could not load model ${describeSpec(spec)}: ${e instanceof Error ? e.message : String(e)}`;
      this.log('error', text);
      if (seq === this.loadSeq) {
        if (this.current) this.setState(previousState === 'error' ? 'ready' : previousState, undefined);
        else this.setState('error', text);
      }
      throw new Error(text);
    }
    if (seq !== this.loadSeq) {
      // A newer load started while this one ran; it wins.
      void client.dispose();
      return;
    }
    const old = this.current;
    this.current = { client, spec };
    client.onUnexpectedExit = (reason) => this.restart(client as ModelWorkerClient, reason);
    this.restarts = 0;
    this.setState('ready', undefined);
    this.log('info', `model ready: ${describeSpec(spec)} (${client.info?.name}, ${client.info?.provider})`);
    // The old worker finishes what it runs (the scheduler lets it) and then goes.
    if (old) void old.client.dispose();
  }

  complete(request: CompletionRequest, stopContext: PostProcessContext | undefined, signal: AbortSignal): Promise<WorkerCompletion> {
    if (!this.current) return Promise.reject(new Error(this.message ?? 'no model is loaded'));
    return this.current.client.complete(request, stopContext, signal);
  }

  async profile(): Promise<ModelProfile | undefined> {
    return this.current?.client.profile();
  }

  async dispose(): Promise<void> {
    const c = this.current;
    this.current = undefined;
    await c?.client.dispose();
  }

  private restart(dead: ModelWorkerClient, reason: string): void {
    if (this.current?.client !== dead) return;
    const spec = this.current.spec;
    this.current = undefined;
    this.restarts++;
    this.log('error', `${reason}; restart ${this.restarts}/${MAX_RESTARTS}`);
    if (this.restarts > MAX_RESTARTS) {
      this.setState('error', `${reason}; gave up after ${MAX_RESTARTS} restarts`);
      return;
    }
    const restarts = this.restarts;
    this.load(spec).then(
      () => (this.restarts = restarts),
      () => {},
    );
  }

  private setState(state: HostState, message: string | undefined): void {
    this.state = state;
    this.message = message;
    this.onChange();
  }
}
