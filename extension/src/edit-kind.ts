/** Classifies a document change: the completion trigger skips edits that only deleted text. */
export interface TextChange {
  /** Length of the replaced text. */
  rangeLength: number;
  /** Inserted text. */
  text: string;
}

/** True when the change removed text and inserted none (backspace, delete, cut). */
export function isDeletionOnly(changes: readonly TextChange[]): boolean {
  return changes.length > 0 && changes.every((c) => c.text === '' && c.rangeLength > 0);
}
