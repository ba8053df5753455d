/**
 * The Battleship board: ships placed from a seed, shots, the map the agent sees, and the reward.
 *
 * A `Board` is an immutable value: `shoot()` returns the outcome and the board after the shot, and
 * never throws for a bad move (a cell shot twice or off the board is an outcome like any other).
 * Everything is deterministic: the same seed and options give the same ships on every platform.
 */
import { Rng } from "@trace-ts/trainer";

/** A cell of the agent's map: `.` not shot yet, `X` a hit, `O` a miss. */
export type MapCell = "." | "X" | "O";

/** The symbols of the agent's map. */
export const MAP_SYMBOLS = { unknown: ".", hit: "X", miss: "O" } as const;

/** A ship: its length, orientation and the cells it covers (`[row, col]`, bow first). */
export interface Ship {
  /** Number of cells. */
  readonly length: number;
  /** True when it runs down a column, false when it runs along a row. */
  readonly vertical: boolean;
  /** The cells it covers, `[row, col]`, from the top or left end. */
  readonly cells: readonly (readonly [number, number])[];
}

/** Where a ship goes: its top (vertical) or left (horizontal) cell, length and orientation. */
export interface ShipPlacement {
  /** Row of the top or left cell. */
  readonly row: number;
  /** Column of the top or left cell. */
  readonly col: number;
  /** Number of cells. */
  readonly length: number;
  /** True when it runs down a column. */
  readonly vertical: boolean;
}

/** What one shot did. `row` and `col` are the coordinates as given. */
export type ShotOutcome =
  | { readonly kind: "hit"; readonly row: number; readonly col: number; readonly sunk: Ship | undefined }
  | { readonly kind: "miss"; readonly row: number; readonly col: number }
  | { readonly kind: "already-shot"; readonly row: number; readonly col: number; readonly cell: "X" | "O" }
  | { readonly kind: "invalid"; readonly row: number; readonly col: number; readonly reason: string };

/** Options of `Board.fromSeed`. */
export interface BoardOptions {
  /** Rows and columns of the square board (default 8, at most 26). */
  readonly size?: number;
  /** Lengths of the ships to place (default `[5, 4, 3, 3, 2]`). */
  readonly ships?: readonly number[];
}

/** The fleet of the classic game: carrier, battleship, cruiser, submarine, destroyer. */
export const DEFAULT_SHIPS: readonly number[] = [5, 4, 3, 3, 2];
/** Default board size. */
export const DEFAULT_SIZE = 8;
const MAX_SIZE = 26;
const MAX_PLACEMENT_TRIES = 10_000;

/** A board that cannot be set up as asked (bad size, ship lengths, or ships that do not fit). */
export class BoardSetupError extends Error {
  override readonly name = "BoardSetupError";
}

/** An immutable Battleship board. */
export class Board {
  /** Rows and columns. */
  readonly size: number;
  /** The ships (hidden from the agent: only `view()` is shown to it). */
  readonly ships: readonly Ship[];
  /** Shots so far, row-major: `.` not shot, `X` hit, `O` miss. */
  readonly #shots: readonly MapCell[];
  /** Ship index per cell, row-major, -1 for water. */
  readonly #owner: readonly number[];

  private constructor(
    size: number,
    ships: readonly Ship[],
    shots: readonly MapCell[],
    owner: readonly number[],
  ) {
    this.size = size;
    this.ships = ships;
    this.#shots = shots;
    this.#owner = owner;
  }

  /**
   * A board with ships placed at random from `seed` (largest first, each horizontal or vertical,
   * never overlapping). Throws `BoardSetupError` when the options make no valid board.
   * @param seed an integer in [0, 2^53)
   * @param options board size and ship lengths
   */
  static fromSeed(seed: number, options: BoardOptions = {}): Board {
    const size = options.size ?? DEFAULT_SIZE;
    const lengths = options.ships ?? DEFAULT_SHIPS;
    checkSetup(size, lengths);
    const rng = Rng.fromSeed(seed);
    const taken = new Set<number>();
    const order = lengths
      .map((length, i) => ({ length, i }))
      .sort((a, b) => b.length - a.length || a.i - b.i);
    const placed: ShipPlacement[] = new Array(lengths.length);
    for (const { length, i } of order) {
      const ship = placeOne(rng, size, length, taken);
      if (ship === undefined) {
        throw new BoardSetupError(
          `could not place a ship of length ${length} on a ${size}×${size} board after ${MAX_PLACEMENT_TRIES} tries: use fewer or shorter ships`,
        );
      }
      for (let k = 0; k < length; k++) {
        taken.add(ship.vertical ? (ship.row + k) * size + ship.col : ship.row * size + ship.col + k);
      }
      placed[i] = ship;
    }
    return Board.withShips(size, placed);
  }

  /**
   * A board with the given ships (for hand-made cases). Throws `BoardSetupError` for ships that
   * leave the board, overlap, or are not straight and contiguous.
   * @param size rows and columns
   * @param ships the ships, each as its top/left cell, length and orientation
   */
  static withShips(size: number, ships: readonly ShipPlacement[]): Board {
    checkSetup(
      size,
      ships.map((s) => s.length),
    );
    const owner = new Array<number>(size * size).fill(-1);
    const built: Ship[] = [];
    ships.forEach((s, index) => {
      const { row, col } = s;
      const cells: [number, number][] = [];
      for (let k = 0; k < s.length; k++) {
        const r = s.vertical ? row + k : row;
        const c = s.vertical ? col : col + k;
        if (!inBounds(size, r, c))
          throw new BoardSetupError(`ship ${index} leaves the ${size}×${size} board at (${r}, ${c})`);
        if (owner[r * size + c] !== -1)
          throw new BoardSetupError(`ship ${index} overlaps another ship at (${r}, ${c})`);
        owner[r * size + c] = index;
        cells.push([r, c]);
      }
      built.push({ length: s.length, vertical: s.vertical, cells });
    });
    return new Board(size, built, new Array<MapCell>(size * size).fill("."), owner);
  }

  /**
   * Fires at `(row, col)`: the outcome and the board after the shot (the same board when the shot
   * was wasted: already shot there, or not a cell of the board).
   * @param row 0-based row (top row is 0)
   * @param col 0-based column (left column is 0)
   */
  shoot(row: number, col: number): { readonly outcome: ShotOutcome; readonly board: Board } {
    if (!Number.isInteger(row) || !Number.isInteger(col)) {
      return {
        outcome: { kind: "invalid", row, col, reason: "row and column must be integers" },
        board: this,
      };
    }
    if (!inBounds(this.size, row, col)) {
      return {
        outcome: { kind: "invalid", row, col, reason: `rows and columns go from 0 to ${this.size - 1}` },
        board: this,
      };
    }
    const index = row * this.size + col;
    const cell = this.#shots[index]!;
    if (cell !== ".") return { outcome: { kind: "already-shot", row, col, cell }, board: this };
    const owner = this.#owner[index]!;
    const shots = [...this.#shots];
    shots[index] = owner === -1 ? "O" : "X";
    const board = new Board(this.size, this.ships, shots, this.#owner);
    if (owner === -1) return { outcome: { kind: "miss", row, col }, board };
    const ship = this.ships[owner]!;
    const sunk = ship.cells.every(([r, c]) => shots[r * this.size + c] === "X") ? ship : undefined;
    return { outcome: { kind: "hit", row, col, sunk }, board };
  }

  /** The agent's map: one string per row, `.` not shot, `X` hit, `O` miss. Never shows ships. */
  view(): string[] {
    const rows: string[] = [];
    for (let r = 0; r < this.size; r++)
      rows.push(this.#shots.slice(r * this.size, (r + 1) * this.size).join(""));
    return rows;
  }

  /** Ship cells hit so far. */
  get hits(): number {
    return this.#shots.filter((s) => s === "X").length;
  }

  /** Total ship cells. */
  get shipCells(): number {
    return this.ships.reduce((sum, s) => sum + s.length, 0);
  }

  /** Reward: the fraction of ship cells hit so far, in [0, 1]. */
  reward(): number {
    return this.hits / this.shipCells;
  }

  /** Whether every ship cell has been hit. */
  done(): boolean {
    return this.hits === this.shipCells;
  }
}

function inBounds(size: number, row: number, col: number): boolean {
  return row >= 0 && row < size && col >= 0 && col < size;
}

function checkSetup(size: number, lengths: readonly number[]): void {
  if (!Number.isInteger(size) || size < 1 || size > MAX_SIZE) {
    throw new BoardSetupError(`board size must be an integer from 1 to ${MAX_SIZE}, got ${size}`);
  }
  if (lengths.length === 0) throw new BoardSetupError("a board needs at least one ship");
  for (const length of lengths) {
    if (!Number.isInteger(length) || length < 1 || length > size) {
      throw new BoardSetupError(`ship lengths must be integers from 1 to ${size}, got ${length}`);
    }
  }
  const cells = lengths.reduce((sum, length) => sum + length, 0);
  if (cells > size * size) {
    throw new BoardSetupError(`ships of ${cells} cells in all cannot fit on a ${size}×${size} board`);
  }
}

function placeOne(
  rng: Rng,
  size: number,
  length: number,
  taken: ReadonlySet<number>,
): ShipPlacement | undefined {
  for (let attempt = 0; attempt < MAX_PLACEMENT_TRIES; attempt++) {
    const vertical = rng.int(2) === 1;
    const row = rng.int(vertical ? size - length + 1 : size);
    const col = rng.int(vertical ? size : size - length + 1);
    let free = true;
    for (let k = 0; k < length && free; k++)
      free = !taken.has(vertical ? (row + k) * size + col : row * size + col + k);
    if (free) return { row, col, length, vertical };
  }
  return undefined;
}
