/**
 * The order in which training examples are visited: epoch after epoch, each a (seeded) permutation
 * cut into minibatches. Its state is plain JSON so a checkpoint can store it and a resumed run
 * visits the same batches as an uninterrupted one.
 */
import type { Rng } from "./rng.js";

/** JSON state of an `EpochSampler`. */
export interface SamplerState {
  /** The current epoch, 1-based (0 before the first batch). */
  readonly epoch: number;
  /** The order of the current epoch (indices into the training set). */
  readonly order: readonly number[];
  /** How many indices of `order` have been handed out. */
  readonly position: number;
}

/** One minibatch handed out by the sampler. */
export interface SampledBatch {
  /** The epoch it belongs to (1-based). */
  readonly epoch: number;
  /** Indices into the training set. */
  readonly indices: readonly number[];
}

/**
 * Hands out minibatches of indices into a dataset of `size` items: each epoch is a new permutation
 * drawn from `rng` (or the identity with `shuffle: false`); a batch never spans two epochs, so the
 * last batch of an epoch may be smaller.
 */
export class EpochSampler {
  /** Number of items. */
  readonly size: number;
  /** Items per batch. */
  readonly batchSize: number;
  readonly #rng: Rng;
  readonly #shuffle: boolean;
  #epoch = 0;
  #order: number[] = [];
  #position = 0;

  /**
   * @param size number of items in the dataset (≥ 1)
   * @param batchSize items per batch (≥ 1)
   * @param rng generator for the epoch permutations (shared with the caller; it advances)
   * @param shuffle draw a new permutation each epoch (default true)
   */
  constructor(size: number, batchSize: number, rng: Rng, shuffle = true) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`EpochSampler: size must be ≥ 1, got ${size}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`EpochSampler: batchSize must be a positive integer, got ${batchSize}`);
    }
    this.size = size;
    this.batchSize = batchSize;
    this.#rng = rng;
    this.#shuffle = shuffle;
  }

  /** Batches per epoch. */
  get batchesPerEpoch(): number {
    return Math.ceil(this.size / this.batchSize);
  }

  /** Epochs fully handed out so far. */
  get epochsCompleted(): number {
    return this.#position >= this.#order.length ? this.#epoch : this.#epoch - 1;
  }

  /** The next minibatch (starting a new epoch when the current one is used up). */
  next(): SampledBatch {
    if (this.#position >= this.#order.length) {
      this.#epoch++;
      this.#order = this.#shuffle
        ? this.#rng.permutation(this.size)
        : Array.from({ length: this.size }, (_, i) => i);
      this.#position = 0;
    }
    const indices = this.#order.slice(this.#position, this.#position + this.batchSize);
    this.#position += indices.length;
    return { epoch: this.#epoch, indices };
  }

  /** The sampler's position as JSON. */
  state(): SamplerState {
    return { epoch: this.#epoch, order: [...this.#order], position: this.#position };
  }

  /**
   * Continues from a saved state.
   * @param state what `state()` returned
   */
  loadState(state: SamplerState): void {
    const { epoch, order, position } = state;
    const valid =
      Number.isInteger(epoch) &&
      epoch >= 0 &&
      Array.isArray(order) &&
      (order.length === 0 || order.length === this.size) &&
      order.every((i) => Number.isInteger(i) && i >= 0 && i < this.size) &&
      new Set(order).size === order.length &&
      Number.isInteger(position) &&
      position >= 0 &&
      position <= order.length;
    if (!valid) {
      throw new RangeError(
        `EpochSampler: the saved data order does not fit a dataset of ${this.size} items (epoch ${String(epoch)}, ${Array.isArray(order) ? order.length : "no"} indices, position ${String(position)})`,
      );
    }
    this.#epoch = epoch;
    this.#order = [...order];
    this.#position = position;
  }
}
