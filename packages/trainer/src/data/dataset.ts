/**
 * Datasets: an immutable list of items with seeded shuffling, minibatches and train/validation/test
 * splits.
 */
import { createHash } from "node:crypto";
import { DatasetError } from "../errors.js";
import type { Example } from "./example.js";
import {
  type JsonlDefaultOptions,
  type JsonlParseOptions,
  type JsonlValidateOptions,
  parseLines,
  readLines,
} from "./jsonl.js";
import { Rng } from "./rng.js";

/**
 * Sizes of a split, as fractions of the dataset (every value ≤ 1, e.g. `{ validation: 0.2 }`) or
 * as counts (any value > 1, all integers, e.g. `{ train: 20, validation: 5, test: 5 }`). A part
 * left out gets nothing, except `train`, which gets whatever the others leave.
 */
export interface SplitSizes {
  /** Training part (default: the rest). */
  readonly train?: number;
  /** Validation part (default 0). */
  readonly validation?: number;
  /** Test part (default 0). */
  readonly test?: number;
}

/** The `name` option of the dataset readers: a name for logs and error messages. */
export interface DatasetName {
  /** A name for logs (default: the file path or source name). */
  readonly name?: string | undefined;
}

/** Options of `Dataset.split`. */
export interface SplitOptions {
  /** Seed of the shuffle before splitting (default 0). */
  readonly seed?: number;
  /** Shuffle before splitting (default true); false keeps the dataset's order. */
  readonly shuffle?: boolean;
}

/** The parts of a split; a part of size 0 is an empty dataset. */
export interface DatasetSplits<E> {
  /** Training items. */
  readonly train: Dataset<E>;
  /** Validation items (for model selection, early stopping, keep-if-improves). */
  readonly validation: Dataset<E>;
  /** Test items (for the final, untouched score). */
  readonly test: Dataset<E>;
}

/** Options of `Dataset.batches`. */
export interface BatchOptions {
  /** Shuffle with this seed first (default: keep the order). */
  readonly seed?: number;
  /** Drop a last batch smaller than `size` (default false). */
  readonly dropLast?: boolean;
}

/**
 * An immutable list of items (usually `Example`s). Every method returns a new dataset; the items
 * themselves are shared, not copied.
 *
 * @example
 * const all = await Dataset.fromJsonl("data/word-problems.jsonl");
 * const { train, validation, test } = all.split({ validation: 0.2, test: 0.2 }, { seed: 7 });
 */
export class Dataset<E = Example> implements Iterable<E> {
  /** A name for logs and error messages. */
  readonly name: string;
  readonly #items: readonly E[];
  #fingerprint: string | undefined;

  private constructor(items: readonly E[], name: string) {
    this.#items = items;
    this.name = name;
  }

  /**
   * A dataset of the given items, in order.
   * @param items the items (copied into a frozen array)
   * @param options a name for logs
   */
  static from<E>(items: Iterable<E>, options: DatasetName = {}): Dataset<E> {
    if (
      items === null ||
      typeof items !== "object" ||
      typeof (items as Iterable<E>)[Symbol.iterator] !== "function"
    ) {
      throw new DatasetError(
        `Dataset.from() needs an array or another iterable of items, got ${String(items)}`,
      );
    }
    return new Dataset(Object.freeze([...items]), options.name ?? "dataset");
  }

  /**
   * Reads a JSON Lines file: one example per line (`{"input": …, "target": …, "id": …}` by
   * default, any shape with `options.parse`). Errors name the file and line.
   *
   * The item type comes from a check, never from a bare type argument: `Example` (input and
   * target `unknown`) with no options; what the type guard `validate` proves, e.g.
   * `Dataset<Example<string, string>>`; or what `parse` returns (then narrowed by `validate` if
   * given). An item that `validate` rejects is a `DatasetError` naming the file and line.
   *
   * @example
   * const isWordProblem = (e: Example): e is Example<string, string> =>
   *   typeof e.input === "string" && typeof e.target === "string";
   * const data = await Dataset.fromJsonl("problems.jsonl", { validate: isWordProblem });
   *
   * @param path the file
   * @param options line parser, type guard, source name for errors; `name` (for logs) defaults to
   *   the file path
   */
  static async fromJsonl(
    path: string,
    options?: JsonlDefaultOptions & DatasetName,
  ): Promise<Dataset<Example>>;
  static async fromJsonl<E extends Example>(
    path: string,
    options: JsonlValidateOptions<E> & DatasetName,
  ): Promise<Dataset<E>>;
  static async fromJsonl<P, E extends P = P>(
    path: string,
    options: JsonlParseOptions<P, E> & DatasetName,
  ): Promise<Dataset<E>>;
  static async fromJsonl(
    path: string,
    options: (JsonlDefaultOptions | JsonlValidateOptions<Example> | JsonlParseOptions<unknown>) &
      DatasetName = {},
  ): Promise<Dataset<unknown>> {
    const items = await readLines(path, options);
    return new Dataset(Object.freeze(items), options.name ?? path);
  }

  /**
   * Parses JSON Lines text (see `fromJsonl` for the options and the item type).
   * @param text the content
   * @param options line parser, type guard, source name; `name` defaults to the source name
   */
  static parseJsonl(text: string, options?: JsonlDefaultOptions & DatasetName): Dataset<Example>;
  static parseJsonl<E extends Example>(
    text: string,
    options: JsonlValidateOptions<E> & DatasetName,
  ): Dataset<E>;
  static parseJsonl<P, E extends P = P>(
    text: string,
    options: JsonlParseOptions<P, E> & DatasetName,
  ): Dataset<E>;
  static parseJsonl(
    text: string,
    options: (JsonlDefaultOptions | JsonlValidateOptions<Example> | JsonlParseOptions<unknown>) &
      DatasetName = {},
  ): Dataset<unknown> {
    return new Dataset(Object.freeze(parseLines(text, options)), options.name ?? options.source ?? "jsonl");
  }

  /** Number of items. */
  get length(): number {
    return this.#items.length;
  }

  /** The items, in order (a frozen array). */
  get items(): readonly E[] {
    return this.#items;
  }

  /**
   * The item at `index` (negative counts from the end).
   * @param index position
   */
  at(index: number): E {
    const i = index < 0 ? this.#items.length + index : index;
    if (!Number.isInteger(i) || i < 0 || i >= this.#items.length) {
      throw new RangeError(`${this.name}: no item at index ${index} (length ${this.#items.length})`);
    }
    return this.#items[i]!;
  }

  /** Iterates over the items in order. */
  [Symbol.iterator](): Iterator<E> {
    return this.#items[Symbol.iterator]();
  }

  /**
   * The items at the given indices, in that order.
   * @param indices positions in this dataset
   * @param name name of the result (default: this name)
   */
  select(indices: readonly number[], name = this.name): Dataset<E> {
    return new Dataset(Object.freeze(indices.map((i) => this.at(i))), name);
  }

  /**
   * Items `start … end-1` (like `Array.prototype.slice`).
   * @param start first index (default 0)
   * @param end end index, exclusive (default: the length)
   */
  slice(start?: number, end?: number): Dataset<E> {
    return new Dataset(Object.freeze(this.#items.slice(start, end)), this.name);
  }

  /**
   * The same items in a seeded random order.
   * @param seed a seed, or a generator to draw from (it advances)
   */
  shuffled(seed: number | Rng): Dataset<E> {
    const rng = typeof seed === "number" ? Rng.fromSeed(seed) : seed;
    return this.select(rng.permutation(this.#items.length));
  }

  /**
   * Splits into train / validation / test parts, after a seeded shuffle (unless `shuffle: false`).
   * The same seed always gives the same parts.
   *
   * @param sizes fractions or counts (see `SplitSizes`)
   * @param options seed and whether to shuffle
   */
  split(sizes: SplitSizes, options: SplitOptions = {}): DatasetSplits<E> {
    const n = this.#items.length;
    const given = (["train", "validation", "test"] as const).filter((k) => sizes[k] !== undefined);
    for (const k of given) {
      const v = sizes[k]!;
      if (!Number.isFinite(v) || v < 0) {
        throw new DatasetError(`${this.name}: split size '${k}' must be a non-negative number, got ${v}`);
      }
    }
    const counts = given.some((k) => sizes[k]! > 1);
    const size = (k: "train" | "validation" | "test"): number | undefined => {
      const v = sizes[k];
      if (v === undefined) return undefined;
      if (counts) {
        if (!Number.isInteger(v)) {
          throw new DatasetError(
            `${this.name}: split sizes are counts (some value is > 1), so '${k}' must be an integer, got ${v}`,
          );
        }
        return v;
      }
      return Math.round(v * n);
    };
    const validation = size("validation") ?? 0;
    const test = size("test") ?? 0;
    const train = size("train") ?? n - validation - test;
    if (train < 0 || train + validation + test > n) {
      throw new DatasetError(
        `${this.name}: the split needs ${Math.max(train, 0) + validation + test} items (train ${Math.max(train, 0)}, validation ${validation}, test ${test}) but the dataset has ${n}`,
      );
    }
    const order =
      options.shuffle === false
        ? Array.from({ length: n }, (_, i) => i)
        : Rng.fromSeed(options.seed ?? 0).permutation(n);
    return {
      train: this.select(order.slice(0, train), `${this.name}[train]`),
      validation: this.select(order.slice(train, train + validation), `${this.name}[validation]`),
      test: this.select(order.slice(train + validation, train + validation + test), `${this.name}[test]`),
    };
  }

  /**
   * Consecutive minibatches of `size` items (optionally after a seeded shuffle); the last one may
   * be smaller unless `dropLast`.
   *
   * @param size items per batch (a positive integer)
   * @param options shuffle seed and `dropLast`
   */
  batches(size: number, options: BatchOptions = {}): E[][] {
    if (!Number.isInteger(size) || size < 1) {
      throw new DatasetError(`${this.name}: batch size must be a positive integer, got ${size}`);
    }
    const items = options.seed === undefined ? this.#items : this.shuffled(options.seed).items;
    const out: E[][] = [];
    for (let i = 0; i < items.length; i += size) {
      const batch = items.slice(i, i + size);
      if (batch.length < size && options.dropLast) break;
      out.push(batch);
    }
    return out;
  }

  /**
   * A SHA-256 digest of the items (as JSON), so a checkpoint can tell whether it is resumed with
   * the same data. Items that are not JSON contribute their position only.
   */
  fingerprint(): string {
    if (this.#fingerprint === undefined) {
      const hash = createHash("sha256");
      hash.update(String(this.#items.length));
      for (let i = 0; i < this.#items.length; i++) {
        let text: string | undefined;
        try {
          text = JSON.stringify(this.#items[i]);
        } catch {
          text = undefined;
        }
        hash.update(`\n${text ?? `#${i}`}`);
      }
      this.#fingerprint = hash.digest("hex").slice(0, 32);
    }
    return this.#fingerprint;
  }
}
