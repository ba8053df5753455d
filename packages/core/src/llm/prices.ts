/**
 * Price tables: what a model charges per million tokens. trace-ts ships no prices (they change
 * often); give the ones you pay, in any one currency, and costs are reported in it.
 */
import type { TokenUsage } from "./types.js";

/** Price of one model per million tokens. */
export interface ModelPrice {
  /** Per million prompt tokens. */
  readonly inputPerMillion: number;
  /** Per million generated tokens. */
  readonly outputPerMillion: number;
  /** Per million prompt tokens read from the provider's prompt cache (default: the input price). */
  readonly cacheReadPerMillion?: number;
  /** Per million prompt tokens written to the provider's prompt cache (default: the input price). */
  readonly cacheWritePerMillion?: number;
}

/**
 * Prices by model. Keys are matched in this order: `provider:modelId`, `modelId`, then the
 * longest key ending in `*` that is a prefix of the model id (`"gpt-4o-mini*"` matches dated
 * snapshots such as `gpt-4o-mini-2024-07-18`).
 */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/**
 * Finds the price of a model in a table, or undefined.
 * @param table the price table
 * @param provider provider name
 * @param modelIds model ids to try in order (e.g. the configured id, then the one the provider reported)
 */
export function lookupPrice(
  table: PriceTable | undefined,
  provider: string,
  ...modelIds: ReadonlyArray<string | undefined>
): ModelPrice | undefined {
  if (!table) return undefined;
  for (const id of modelIds) {
    if (id === undefined) continue;
    const exact = table[`${provider}:${id}`] ?? table[id];
    if (exact) return exact;
  }
  let best: ModelPrice | undefined;
  let bestLength = -1;
  for (const [key, price] of Object.entries(table)) {
    if (!key.endsWith("*")) continue;
    const prefix = key.slice(0, -1);
    for (const id of modelIds) {
      if (id === undefined) continue;
      const matches = id.startsWith(prefix) || `${provider}:${id}`.startsWith(prefix);
      if (matches && prefix.length > bestLength) {
        best = price;
        bestLength = prefix.length;
      }
    }
  }
  return best;
}

/**
 * Cost of some usage at a price (in the price table's currency).
 * @param usage token counts
 * @param price per-million prices
 */
export function costOf(usage: TokenUsage, price: ModelPrice): number {
  const perToken = 1e-6;
  return (
    usage.inputTokens * price.inputPerMillion * perToken +
    usage.outputTokens * price.outputPerMillion * perToken +
    (usage.cacheReadTokens ?? 0) * (price.cacheReadPerMillion ?? price.inputPerMillion) * perToken +
    (usage.cacheWriteTokens ?? 0) * (price.cacheWritePerMillion ?? price.inputPerMillion) * perToken
  );
}

/**
 * Memoizes {@link lookupPrice} for one price table (the table is treated as immutable).
 * @param table the price table
 */
export function priceLookup(
  table: PriceTable | undefined,
): (provider: string, modelId: string, reportedModel?: string) => ModelPrice | undefined {
  // provider → modelId → reported model → price (null: none); nested maps avoid building keys
  const memo = new Map<string, Map<string, Map<string, ModelPrice | null>>>();
  let entries = 0;
  return (provider, modelId, reportedModel) => {
    let byModel = memo.get(provider);
    if (byModel === undefined) {
      byModel = new Map();
      memo.set(provider, byModel);
    }
    let byReported = byModel.get(modelId);
    if (byReported === undefined) {
      byReported = new Map();
      byModel.set(modelId, byReported);
    }
    const reported = reportedModel ?? "";
    let price = byReported.get(reported);
    if (price === undefined) {
      price = lookupPrice(table, provider, modelId, reportedModel) ?? null;
      if (entries < 10_000) {
        byReported.set(reported, price);
        entries++;
      }
    }
    return price ?? undefined;
  };
}
