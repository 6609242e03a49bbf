/** -ln p(target) under softmax(logits[offset .. offset + V]): the log-sum-exp form, stable for any logits. */
export function nextTokenNats(logits: ArrayLike<number>, offset: number, V: number, target: number): number {
  let max = -Infinity;
  for (let v = 0; v < V; v++) max = Math.max(max, logits[offset + v]!);
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(logits[offset + v]! - max);
  return Math.log(sum) + max - logits[offset + target]!;
}
