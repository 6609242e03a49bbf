/**
 * Which workspace files count as code to fine-tune on, by extension. Broader than the pretraining
 * corpus (TypeScript, JavaScript, Python): the tokenizer is byte-level, so it can encode any
 * language, and a workspace teaches the model its own languages.
 */
import { extname } from 'node:path';

const LANGUAGES: Readonly<Record<string, string>> = {
  '.ts': 'typescript', '.tsx': 'typescript', '.mts': 'typescript', '.cts': 'typescript',
  '.js': 'javascript', '.jsx': 'javascript', '.mjs': 'javascript', '.cjs': 'javascript',
  '.py': 'python', '.pyi': 'python',
  '.go': 'go', '.rs': 'rust', '.java': 'java', '.kt': 'kotlin', '.kts': 'kotlin', '.scala': 'scala',
  '.c': 'c', '.h': 'c', '.cc': 'cpp', '.cpp': 'cpp', '.cxx': 'cpp', '.hpp': 'cpp', '.hh': 'cpp',
  '.cs': 'csharp', '.fs': 'fsharp', '.swift': 'swift', '.m': 'objective-c',
  '.rb': 'ruby', '.php': 'php', '.pl': 'perl', '.lua': 'lua', '.r': 'r', '.jl': 'julia',
  '.sh': 'shell', '.bash': 'shell', '.zsh': 'shell', '.ps1': 'powershell',
  '.sql': 'sql', '.vue': 'vue', '.svelte': 'svelte', '.dart': 'dart', '.ex': 'elixir', '.exs': 'elixir',
  '.erl': 'erlang', '.hs': 'haskell', '.ml': 'ocaml', '.clj': 'clojure', '.zig': 'zig', '.nim': 'nim',
  '.css': 'css', '.scss': 'scss', '.less': 'less', '.html': 'html',
};

/** The language of a path, or undefined for files that are not code (data, docs, images, ...). */
export function workspaceLanguageOf(path: string): string | undefined {
  const lower = path.toLowerCase();
  // Declarations are emitted from sources (or are bare signatures): not what we complete.
  if (/\.d\.[mc]?ts$/.test(lower)) return undefined;
  return LANGUAGES[extname(lower)];
}
