/**
 * Decides when an inline completion request reaches the server (the language client's inline
 * completion middleware): not in disabled languages, not after an edit that only deleted text
 * (unless a setting asks), not before the debounce has passed, and never for a request a newer one
 * in the same document has superseded. Requests that do go out are timed for the status bar.
 */
import * as vscode from 'vscode';
import type { Middleware } from 'vscode-languageclient/node';
import { languageEnabled, type ExtensionConfig } from './config.js';
import { debounceDelay, TypingRhythm } from './debounce.js';
import { isDeletionOnly } from './edit-kind.js';

interface DocumentEdits {
  rhythm: TypingRhythm;
  /** Document version produced by a deletion-only edit; undefined when the last edit inserted text. */
  deletionVersion: number | undefined;
}

export interface AnsweredCompletion {
  latencyMs: number;
  items: number;
}

export class CompletionGate implements vscode.Disposable {
  private readonly edits = new Map<string, DocumentEdits>();
  /** The request in flight per document; a newer one cancels it. */
  private readonly inFlight = new Map<string, vscode.CancellationTokenSource>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly answeredEmitter = new vscode.EventEmitter<AnsweredCompletion>();
  readonly onAnswered = this.answeredEmitter.event;

  constructor(private readonly config: () => ExtensionConfig) {
    this.disposables.push(
      vscode.workspace.onDidChangeTextDocument((e) => this.onEdit(e)),
      vscode.workspace.onDidCloseTextDocument((d) => this.edits.delete(d.uri.toString())),
    );
  }

  readonly middleware: Middleware = {
    provideInlineCompletionItems: (document, position, context, token, next) => this.provide(document, position, context, token, next),
  };

  private onEdit(e: vscode.TextDocumentChangeEvent): void {
    if (!e.contentChanges.length) return;
    const key = e.document.uri.toString();
    let d = this.edits.get(key);
    if (!d) this.edits.set(key, (d = { rhythm: new TypingRhythm(), deletionVersion: undefined }));
    d.rhythm.record(Date.now());
    d.deletionVersion = isDeletionOnly(e.contentChanges) ? e.document.version : undefined;
  }

  private async provide(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
    next: Parameters<NonNullable<Middleware['provideInlineCompletionItems']>>[4],
  ): Promise<vscode.InlineCompletionItem[] | vscode.InlineCompletionList | null | undefined> {
    const config = this.config();
    if (!languageEnabled(config, document.languageId)) return null;
    const key = document.uri.toString();
    const edits = this.edits.get(key);
    const automatic = context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic;
    if (automatic && !config.triggerOnDeletion && edits?.deletionVersion === document.version) return null;

    // Supersede the previous request for this document (VS Code usually cancels it too; this makes sure).
    this.inFlight.get(key)?.cancel();
    const own = new vscode.CancellationTokenSource();
    this.inFlight.set(key, own);
    const link = token.onCancellationRequested(() => own.cancel());
    try {
      const delay = automatic ? debounceDelay(config.debounceMs, config.adaptiveDebounce, edits?.rhythm.interval) : 0;
      if (delay > 0 && !(await sleep(delay, own.token))) return null;
      const started = performance.now();
      const result = await next(document, position, context, own.token);
      if (own.token.isCancellationRequested) return null;
      const items = !result ? 0 : Array.isArray(result) ? result.length : result.items.length;
      this.answeredEmitter.fire({ latencyMs: performance.now() - started, items });
      return result;
    } finally {
      link.dispose();
      if (this.inFlight.get(key) === own) this.inFlight.delete(key);
      own.dispose();
    }
  }

  dispose(): void {
    for (const s of this.inFlight.values()) s.cancel();
    this.inFlight.clear();
    for (const d of this.disposables) d.dispose();
    this.answeredEmitter.dispose();
  }
}

/** Resolves true after `ms`, or false as soon as `token` is cancelled. */
function sleep(ms: number, token: vscode.CancellationToken): Promise<boolean> {
  if (token.isCancellationRequested) return Promise.resolve(false);
  return new Promise((resolve) => {
    const sub = token.onCancellationRequested(() => {
      clearTimeout(timer);
      sub.dispose();
      resolve(false);
    });
    const timer = setTimeout(() => {
      sub.dispose();
      resolve(true);
    }, ms);
  });
}
