/**
 * The watch page and the browser client, served from memory: web/index.html and web/app.css
 * as written, and the bundles `deno task build` writes to web/dist (client.js for any page,
 * app.js for ours, and the chunks they share or load on demand, such as hls.js), by name. Every file
 * carries an ETag of its content and `Cache-Control: no-cache`, so browsers revalidate on
 * each load (a cheap 304); a file that changed on disk (a new build) is read again.
 */
export interface WebAsset {
  readonly body: Uint8Array<ArrayBuffer>;
  readonly contentType: string;
  readonly etag: string;
}

export interface WebAssets {
  /** The asset at a URL path ("/", "/app.js", ...), if there is one. */
  get(path: string): Promise<WebAsset | undefined>;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

/** Bundle names are plain file names: nothing else under /dist is ever read. */
const BUNDLE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*\.(?:js|js\.map)$/;

/** Shown at / when the bundles were never built. */
const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>OpenWatchParty</title>
<p>The watch page is not built yet: run <code>deno task build</code> (or <code>deno task
start</code>, which builds it first), then reload.</p>`;

export function webAssets(webRoot: URL): WebAssets {
  /** By file: the asset and the modification time it was read at. */
  const cache = new Map<string, { readonly mtime: number; readonly asset: WebAsset }>();
  const load = async (file: URL): Promise<WebAsset | undefined> => {
    let mtime: number;
    try {
      mtime = (await Deno.stat(file)).mtime?.getTime() ?? 0;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
    const cached = cache.get(file.href);
    if (cached?.mtime === mtime) return cached.asset;
    const asset = await readAsset(file);
    if (asset) cache.set(file.href, { mtime, asset });
    return asset;
  };
  const dist = new URL("dist/", webRoot);
  return {
    async get(path) {
      if (path === "/" || path === "/index.html") {
        const built = await load(new URL("app.js", dist));
        return built ? load(new URL("index.html", webRoot)) : fromText(NOT_BUILT, ".html");
      }
      if (path === "/app.css") return load(new URL("app.css", webRoot));
      const name = path.slice(1);
      if (!BUNDLE_NAME.test(name)) return undefined;
      return load(new URL(name, dist));
    },
  };
}

async function readAsset(file: URL): Promise<WebAsset | undefined> {
  let body: Uint8Array<ArrayBuffer>;
  try {
    body = await Deno.readFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const extension = file.pathname.slice(file.pathname.lastIndexOf("."));
  return withEtag(body, TYPES[extension] ?? "application/octet-stream");
}

function fromText(text: string, extension: string): Promise<WebAsset> {
  return withEtag(new TextEncoder().encode(text), TYPES[extension]!);
}

async function withEtag(body: Uint8Array<ArrayBuffer>, contentType: string): Promise<WebAsset> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
  const hex = Array.from(digest.subarray(0, 16), (byte) => byte.toString(16).padStart(2, "0"));
  return { body, contentType, etag: `"${hex.join("")}"` };
}
