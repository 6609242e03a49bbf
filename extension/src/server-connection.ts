/**
 * Owns the language client and the server process behind it: starts it, restarts it when it dies
 * (bounded by RestartPolicy, then a clear message with "Show Log"), restarts it on demand (settings
 * that need a new process), and stops it on deactivation. Everything else talks to the server
 * through the typed requests here (protocol/lsp.ts).
 */
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  State,
  TransportKind,
  WorkDoneProgress,
  type WorkDoneProgressBegin,
  type WorkDoneProgressEnd,
  type WorkDoneProgressReport,
  type ErrorHandler,
  type LanguageClientOptions,
  type Middleware,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  FineTuneFinishedNotification,
  FineTuneProgressNotification,
  FineTuneRequest,
  FineTuneSummaryRequest,
  FlopsRequest,
  SetModelRequest,
  StatsRequest,
  StatusChangedNotification,
  StatusRequest,
  type FineTuneFinishedParams,
  type FineTuneParams,
  type FineTuneProgressParams,
  type FineTuneResult,
  type FineTuneSummary,
  type FlopsParams,
  type SetModelParams,
  type StatsResult,
  type StatusResult,
} from '../../protocol/lsp.js';
import type { DashboardFlopsReport } from '../../protocol/webview.js';
import { serverSettings, type ExtensionConfig } from './config.js';
import { RestartPolicy } from './restart-policy.js';
import { checkServerModule, serverLaunch } from './server-launch.js';

export const CLIENT_ID = 'memoryformer';
const CLIENT_NAME = 'MemoryFormer';
/** How long the server may take to answer `initialize` (it loads the model afterwards, reporting 'loading'). */
const START_TIMEOUT_MS = 30_000;

export class ServerConnection implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly policy = new RestartPolicy();
  private stopping = false;
  private readonly statusEmitter = new vscode.EventEmitter<StatusResult>();
  private readonly runningEmitter = new vscode.EventEmitter<boolean>();
  private readonly fineTuneProgressEmitter = new vscode.EventEmitter<FineTuneProgressParams>();
  private readonly fineTuneFinishedEmitter = new vscode.EventEmitter<FineTuneFinishedParams>();
  /** The server's last reported status. */
  status: StatusResult | undefined;
  /** Set when restarting was given up (or the server could not start); cleared by a successful start. */
  failure: string | undefined;
  readonly onStatus = this.statusEmitter.event;
  /** Fires with true when the connection is up, false when it is down. */
  readonly onRunning = this.runningEmitter.event;
  /** memoryformer/fineTuneProgress of any run (the dashboard's curves). */
  readonly onFineTuneProgress = this.fineTuneProgressEmitter.event;
  /** memoryformer/fineTuneFinished of any run. */
  readonly onFineTuneFinished = this.fineTuneFinishedEmitter.event;

  constructor(
    private readonly extensionPath: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly config: () => ExtensionConfig,
    private readonly middleware: Middleware,
    /** This workspace's fine-tuned model folder, looked up at every start (see serverLaunch). */
    private readonly fineTunedModel: () => string | undefined = () => undefined,
  ) {}

  get running(): boolean {
    return this.client?.state === State.Running;
  }

  async start(): Promise<void> {
    const launch = serverLaunch(this.extensionPath, this.config(), process.env, this.fineTunedModel());
    const missing = checkServerModule(launch.module);
    if (missing) return this.fail(missing);
    const serverOptions: ServerOptions = {
      module: launch.module,
      args: launch.args,
      transport: TransportKind.stdio,
      options: { env: { ...process.env, ...launch.env } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
      initializationOptions: launch.initializationOptions,
      outputChannel: this.log,
      errorHandler: this.errorHandler(),
      middleware: this.middleware,
      // Shown only where an action of the user's failed; completions fail quietly and are logged.
      revealOutputChannelOn: 4 /* RevealOutputChannelOn.Never */,
    };
    this.log.info(`starting the server: ${process.execPath} ${launch.module} ${launch.args.join(' ')}`);
    const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
    this.client = client;
    client.onDidChangeState((e) => {
      if (e.newState === State.Running) this.failure = undefined;
      this.runningEmitter.fire(e.newState === State.Running);
    });
    client.onNotification(StatusChangedNotification, (s) => this.setStatus(s));
    client.onNotification(FineTuneProgressNotification, (p) => this.fineTuneProgressEmitter.fire(p));
    client.onNotification(FineTuneFinishedNotification, (p) => this.fineTuneFinishedEmitter.fire(p));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`it did not answer \`initialize\` within ${START_TIMEOUT_MS / 1000} s (a server that writes anything but LSP to stdout does this)`)), START_TIMEOUT_MS);
    });
    try {
      await Promise.race([client.start(), timeout]);
    } catch (e) {
      this.client = undefined;
      void client.dispose(2000).catch(() => undefined);
      return this.fail(`the server did not start: ${errorText(e)}`);
    } finally {
      clearTimeout(timer);
    }
    // The server may have spoken before the handler saw it; ask once.
    this.setStatus(await client.sendRequest(StatusRequest));
  }

  /** Stops the server (the process ends) and starts a new one; forgives earlier crashes. */
  async restart(reason: string): Promise<void> {
    this.log.info(`restarting the server: ${reason}`);
    this.policy.reset();
    await this.stop();
    this.failure = undefined;
    await this.start();
  }

  async stop(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.stopping = true;
    try {
      if (client.isRunning()) await client.stop(5000);
      else await client.dispose(2000);
    } catch (e) {
      this.log.warn(`stopping the server: ${errorText(e)}`);
    } finally {
      this.stopping = false;
      this.client = undefined;
      this.status = undefined;
      this.runningEmitter.fire(false);
    }
  }

  dispose(): void {
    void this.stop();
    this.statusEmitter.dispose();
    this.runningEmitter.dispose();
    this.fineTuneProgressEmitter.dispose();
    this.fineTuneFinishedEmitter.dispose();
  }

  // --- typed requests -----------------------------------------------------------------------

  stats(): Promise<StatsResult> {
    return this.require().sendRequest(StatsRequest);
  }

  fineTune(p: FineTuneParams, token?: vscode.CancellationToken): Promise<FineTuneResult> {
    return this.require().sendRequest(FineTuneRequest, p, token);
  }

  /** The dry run of a fine-tune with these start params. */
  fineTuneSummary(p: FineTuneParams, token?: vscode.CancellationToken): Promise<FineTuneSummary> {
    return this.require().sendRequest(FineTuneSummaryRequest, p, token);
  }

  /** The FLOPs report of the loaded model (NoModel error without a real one). */
  flops(p: FlopsParams = {}): Promise<DashboardFlopsReport> {
    return this.require().sendRequest(FlopsRequest, p);
  }

  setModel(p: SetModelParams): Promise<StatusResult> {
    return this.require().sendRequest(SetModelRequest, p);
  }

  /** Sends the settings the running server applies at once. */
  async sendSettings(config: ExtensionConfig): Promise<void> {
    if (!this.running) return;
    await this.require().sendNotification('workspace/didChangeConfiguration', { settings: { memoryformer: serverSettings(config) } });
  }

  /** Subscribes to $/progress for a token the client made up (work-done progress of fine-tuning). */
  onWorkDoneProgress(token: string, handler: (p: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd) => void): vscode.Disposable {
    return this.require().onProgress(WorkDoneProgress.type, token, handler);
  }

  private require(): LanguageClient {
    if (!this.client || !this.running) {
      throw new Error(this.failure ? `the MemoryFormer server is not running: ${this.failure}` : 'the MemoryFormer server is not running yet (it is starting); try again in a moment');
    }
    return this.client;
  }

  private setStatus(s: StatusResult): void {
    this.status = s;
    this.statusEmitter.fire(s);
  }

  private fail(message: string): void {
    this.failure = message;
    this.log.error(message);
    this.runningEmitter.fire(false);
    void vscode.window.showErrorMessage(`MemoryFormer: ${message}`, 'Show Log', 'Restart').then((a) => {
      if (a === 'Show Log') this.log.show(true);
      if (a === 'Restart') void this.restart('the user asked');
    });
  }

  private errorHandler(): ErrorHandler {
    return {
      error: (error, _message, count) => {
        this.log.error(`connection error: ${error.message}`);
        return { action: (count ?? 1) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true };
      },
      closed: () => {
        if (this.stopping) return { action: CloseAction.DoNotRestart, handled: true };
        this.status = undefined;
        if (this.policy.onCrash(Date.now())) {
          this.log.warn(`the server stopped unexpectedly; restarting it (${this.policy.recentCrashes} in the last minutes)`);
          return { action: CloseAction.Restart, handled: true };
        }
        // Deferred: the client must finish its own bookkeeping before we report.
        setTimeout(() => this.fail(`the server stopped ${this.policy.recentCrashes} times in a few minutes, so it is not restarted again. The log says why.`), 0);
        return { action: CloseAction.DoNotRestart, handled: true };
      },
    };
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
