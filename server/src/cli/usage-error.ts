/** An error about the command's arguments: main.ts prints it with a pointer to --help and exits 2. */
export function usageError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_USAGE' });
}
