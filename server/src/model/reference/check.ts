/**
 * Argument checks for the float64 reference. A wrong length here almost always means a
 * layout mix-up (row-major [rows, cols], or a table for another tau), so the message names
 * the array, the expected shape and the length it got.
 */
export function expectLength(what: string, a: ArrayLike<number>, expected: number, shape: string): void {
  if (a.length !== expected) {
    throw new RangeError(`${what}: expected ${expected} values (${shape}), got ${a.length}; check the shape and row-major layout`);
  }
}

export function expectPositiveInt(what: string, n: number): void {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`${what} must be a positive integer, got ${n}`);
}

export function expectNonNegativeInt(what: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${what} must be an integer >= 0, got ${n}`);
}
