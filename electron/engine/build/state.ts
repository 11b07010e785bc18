/**
 * The state a build's steps share (Packer's StateBag), with typed keys so a step that reads what an
 * earlier step put gets the type it expects. Builders add their own keys (`stateKey<number>('http_port')`).
 */
export interface StateKey<T> {
  readonly name: string;
  /** Phantom field carrying the value type; never set. */
  readonly __type?: T;
}

export function stateKey<T>(name: string): StateKey<T> {
  return { name };
}

export class StateBag {
  private readonly values = new Map<string, unknown>();

  get<T>(key: StateKey<T>): T | undefined {
    return this.values.get(key.name) as T | undefined;
  }

  /** Reads a value an earlier step must have put; throws naming the key otherwise. */
  require<T>(key: StateKey<T>): T {
    if (!this.values.has(key.name)) throw new Error(`internal: build state has no "${key.name}"`);
    return this.values.get(key.name) as T;
  }

  put<T>(key: StateKey<T>, value: T): void {
    this.values.set(key.name, value);
  }

  has(key: StateKey<unknown>): boolean {
    return this.values.has(key.name);
  }

  delete(key: StateKey<unknown>): void {
    this.values.delete(key.name);
  }
}
