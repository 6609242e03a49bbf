/** An error about the command's arguments: main.ts prints it with a pointer to --help and exits 2. */
export function usageError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_USAGE' });
}

/** An integer option at least `min` (default 1); undefined when it was not given. */
export function intOption(value: string | undefined, name: string, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) {
    const rule = min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer >= ${min}`;
    throw usageError(`--${name} must be ${rule}, got '${value}'`);
  }
  return n;
}
