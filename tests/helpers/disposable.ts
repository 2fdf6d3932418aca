/**
 * Arrays that dispose what they hold, for `await using` over a number of test resources (the
 * clients of a test, the instances of a cluster). What the array holds when the scope ends is
 * disposed, so a test may push to it or take out of it on the way.
 */
type Resource = AsyncDisposable | Disposable;

export type DisposableArray<T> = T[] & AsyncDisposable;

async function disposeOf(resource: Resource): Promise<void> {
  if (Symbol.asyncDispose in resource) await resource[Symbol.asyncDispose]();
  else resource[Symbol.dispose]();
}

/** `items`, disposed all at once when the array is (as closing every client of a test). */
export function disposedTogether<T extends Resource>(items: T[] = []): DisposableArray<T> {
  return Object.assign(items, {
    async [Symbol.asyncDispose]() {
      await Promise.all(items.map(disposeOf));
    },
  });
}

/** `items`, disposed one after another, first to last, when the array is. */
export function disposedInOrder<T extends Resource>(items: T[] = []): DisposableArray<T> {
  return Object.assign(items, {
    async [Symbol.asyncDispose]() {
      for (const item of items) await disposeOf(item);
    },
  });
}
