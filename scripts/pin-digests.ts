import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isScalar, parseDocument, type YAMLMap } from "yaml";
import { CONFIG_NAMESPACE, ConfigError, fromPulumiConfig, parsePlatformConfig } from "../config/load";
import { PlanUsageError, readStackFile, stackFileFor } from "../plan/stackFile";

/**
 * Reviewed image digests (issue #21, supply chain): looks up the digest every image tag of a stack
 * points at now and, with --write, commits them to the stack file as `repo:tag@sha256:…` with
 * `images.pinning: digest`, so `pulumi up` deploys exactly what a reviewer approved (the pin-digests
 * workflow opens a pull request with the change). The lookup speaks the OCI Distribution API:
 * `HEAD /v2/<name>/manifests/<tag>` with the index and manifest media types in Accept, the
 * registry's anonymous Bearer token flow on 401, and the `Docker-Content-Digest` header (the digest
 * of a multi-arch image is its index's, valid for every platform). When a registry omits the
 * header, the digest is the sha256 of the manifest bytes a GET returns, which is how digests are
 * defined. See https://github.com/opencontainers/distribution-spec/blob/main/spec.md (pulling
 * manifests) and https://distribution.github.io/distribution/spec/auth/token/ (token flow).
 */

const USAGE = `usage: npm run pin-digests -- (--stack <name> | --config <Pulumi.<stack>.yaml>) [options]

  --stack <name>               the stack file Pulumi.<name>.yaml of this project
  --config <file>              any stack file
  --write                      write the digests into the stack file and set images.pinning: digest
  --check                      offline: exit 1 unless the stack pins every image by a committed digest
  --endpoint <registry>=<url>  talk to <url> for <registry> (a mirror, a pull-through cache); repeatable
  --json                       print [{path, image, pinned}] as JSON
  -h, --help                   this help

exit codes: 0 done (or --check holds), 1 a lookup failed or --check does not hold, 2 usage or config error`;

export const MANIFEST_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
];
const SHA256 = /^sha256:[a-f0-9]{64}$/;

export interface ImageReference {
  /** The registry as written ("docker.io" when none is). */
  registry: string;
  /** Repository path on the registry (`library/postgres` for Docker Hub's official images). */
  repository: string;
  tag: string;
  digest?: string;
}

/** Docker's reference rules: a first component with a "." or ":" (or "localhost") is a registry. */
export function parseImageReference(ref: string): ImageReference {
  const [withoutDigest, digest] = ref.split("@") as [string, string | undefined];
  const slash = withoutDigest.indexOf("/");
  const first = slash < 0 ? "" : withoutDigest.slice(0, slash);
  const hasRegistry = first.includes(".") || first.includes(":") || first === "localhost";
  const registry = hasRegistry ? first : "docker.io";
  let path = hasRegistry ? withoutDigest.slice(slash + 1) : withoutDigest;
  const colon = path.lastIndexOf(":");
  if (colon < 0) throw new Error(`image "${ref}" has no tag to resolve`);
  const tag = path.slice(colon + 1);
  path = path.slice(0, colon);
  const repository = registry === "docker.io" && !path.includes("/") ? `library/${path}` : path;
  return { registry, repository, tag, ...(digest ? { digest } : {}) };
}

/** The image without its digest (`repo:tag`), which is what gets looked up again. */
export function tagOf(image: string): string {
  return image.split("@")[0]!;
}

/** Where a registry's API lives: Docker Hub's is registry-1.docker.io; others serve it on their own host. */
export function defaultEndpoint(registry: string): string {
  return registry === "docker.io" ? "https://registry-1.docker.io" : `https://${registry}`;
}

export interface LookupOptions {
  endpoint?: (registry: string) => string;
  fetch?: typeof fetch;
}

/** `Bearer realm="…",service="…",scope="…"` → its parameters. */
function bearerChallenge(header: string | null): Record<string, string> | undefined {
  if (!header || !/^Bearer\s/i.test(header)) return undefined;
  const params: Record<string, string> = {};
  for (const m of header.slice(7).matchAll(/(\w+)="([^"]*)"/g)) params[m[1]!] = m[2]!;
  return params.realm ? params : undefined;
}

/** The digest the tag of `image` points at in its registry now. */
export async function lookupDigest(image: string, options: LookupOptions = {}): Promise<string> {
  const fetchImpl = options.fetch ?? fetch;
  const doFetch = async (target: string | URL, init: RequestInit) => {
    try {
      return await fetchImpl(target, init);
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      throw new Error(`${image}: cannot reach ${new URL(target).origin} (${cause ?? (error as Error).message})`);
    }
  };
  const ref = parseImageReference(tagOf(image));
  const base = (options.endpoint ?? defaultEndpoint)(ref.registry).replace(/\/$/, "");
  const url = `${base}/v2/${ref.repository}/manifests/${encodeURIComponent(ref.tag)}`;
  const headers: Record<string, string> = { accept: MANIFEST_TYPES.join(", ") };
  const request = async (method: "HEAD" | "GET") => {
    let res = await doFetch(url, { method, headers });
    const challenge = res.status === 401 ? bearerChallenge(res.headers.get("www-authenticate")) : undefined;
    if (challenge) {
      const tokenUrl = new URL(challenge.realm!);
      if (challenge.service) tokenUrl.searchParams.set("service", challenge.service);
      tokenUrl.searchParams.set("scope", challenge.scope ?? `repository:${ref.repository}:pull`);
      const tokenRes = await doFetch(tokenUrl, { method: "GET" });
      if (!tokenRes.ok)
        throw new Error(
          `${image}: the registry's token service (${tokenUrl.origin}) answered ${tokenRes.status}; private registries need credentials this script does not take`,
        );
      const body = (await tokenRes.json()) as { token?: string; access_token?: string };
      const token = body.token ?? body.access_token;
      if (!token) throw new Error(`${image}: the registry's token service returned no token`);
      headers.authorization = `Bearer ${token}`;
      res = await doFetch(url, { method, headers });
    }
    if (res.status === 404) throw new Error(`${image}: no tag ${ref.tag} in ${ref.registry}/${ref.repository} (404 from ${url})`);
    if (!res.ok) throw new Error(`${image}: ${method} ${url} answered ${res.status}`);
    return res;
  };
  const head = await request("HEAD");
  const digest = head.headers.get("docker-content-digest");
  if (digest && SHA256.test(digest)) return digest;
  // No (usable) Docker-Content-Digest: a manifest's digest is the sha256 of its exact bytes.
  const body = Buffer.from(await (await request("GET")).arrayBuffer());
  return `sha256:${createHash("sha256").update(body).digest("hex")}`;
}

export interface ImageSetting {
  /** Key path under `llm-platform:`, e.g. ["gateway", "postgres", "image"]. */
  path: string[];
  image: string;
}

/**
 * Every image a stack's validated config names: each `image` key and each entry of `images` (except
 * `pinning`), defaults included — the same set the schema requires to be digests under `digest`.
 */
export function imageSettings(config: Record<string, unknown>): ImageSetting[] {
  const found: ImageSetting[] = [];
  const walk = (value: unknown, path: string[]) => {
    if (!value || typeof value !== "object" || Array.isArray(value)) return;
    for (const [key, child] of Object.entries(value)) {
      const isImage = typeof child === "string" && (key === "image" || (path.length === 1 && path[0] === "images" && key !== "pinning"));
      if (isImage) found.push({ path: [...path, key], image: child });
      else walk(child, [...path, key]);
    }
  };
  walk(config, []);
  return found;
}

export interface Pin extends ImageSetting {
  pinned: string;
}

/** The stack file's text with each image pinned (`repo:tag@sha256:…`) and `images.pinning: digest`; comments stay. */
export function pinStackFile(text: string, pins: Pin[]): string {
  const doc = parseDocument(text);
  for (const pin of pins) {
    const [top, ...rest] = pin.path;
    doc.setIn(["config", `${CONFIG_NAMESPACE}:${top}`, ...rest], pin.pinned);
  }
  doc.setIn(["config", `${CONFIG_NAMESPACE}:images`, "pinning"], "digest");
  const config = doc.get("config") as YAMLMap;
  const images = config.items.find((p) => isScalar(p.key) && p.key.value === `${CONFIG_NAMESPACE}:images`);
  if (images && isScalar(images.key))
    images.key.commentBefore =
      " Reviewed digests, written by `npm run pin-digests -- --write` (the pin-digests workflow's pull request): deploys pull exactly these.";
  // lineWidth 0: lines are never folded, so a long flow map (a client's limits) stays on its line as written.
  return doc.toString({ flowCollectionPadding: false, lineWidth: 0 });
}

function configOf(file: string, root: string): Record<string, unknown> {
  return parsePlatformConfig(fromPulumiConfig(readStackFile(file, "check", root).config)) as unknown as Record<string, unknown>;
}

interface Options {
  stack?: string;
  config?: string;
  write: boolean;
  check: boolean;
  json: boolean;
  endpoints: Record<string, string>;
}

export function parseArgs(argv: string[]): Options | "help" {
  const options: Options = { write: false, check: false, json: false, endpoints: {} };
  const value = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new PlanUsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--stack") options.stack = value(i++, arg);
    else if (arg === "--config") options.config = value(i++, arg);
    else if (arg === "--write") options.write = true;
    else if (arg === "--check") options.check = true;
    else if (arg === "--json") options.json = true;
    else if (arg === "--endpoint") {
      const [registry, url] = value(i++, arg).split(/=(.*)/s);
      if (!registry || !url) throw new PlanUsageError(`--endpoint takes <registry>=<url>, e.g. docker.io=https://mirror.example.com`);
      options.endpoints[registry] = url;
    } else if (arg === "-h" || arg === "--help") return "help";
    else throw new PlanUsageError(`unknown argument "${arg}"`);
  }
  if (!options.stack && !options.config) throw new PlanUsageError("give --stack <name> or --config <file>");
  if (options.check && options.write) throw new PlanUsageError("--check is read-only; drop --write");
  return options;
}

export async function main(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  root = join(__dirname, ".."),
  fetchImpl?: typeof fetch,
): Promise<number> {
  let options: Options | "help";
  let file: string;
  let config: Record<string, unknown>;
  try {
    options = parseArgs(argv);
    if (options === "help") {
      out(`${USAGE}\n`);
      return 0;
    }
    file = stackFileFor(root, options).file;
    config = configOf(file, root);
  } catch (error) {
    if (error instanceof ConfigError) {
      out(`pin-digests: ${error.message}\n`);
      return 2;
    }
    out(`pin-digests: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const images = imageSettings(config);
  const key = (s: ImageSetting) => `${CONFIG_NAMESPACE}:${s.path.join(".")}`;

  if (options.check) {
    const pinning = (config.images as { pinning: string }).pinning;
    const tagged = images.filter((s) => !/@sha256:[a-f0-9]{64}$/.test(s.image));
    if (pinning === "digest" && tagged.length === 0) {
      out(`${file}: all ${images.length} images pinned by reviewed digests (images.pinning: digest)\n`);
      return 0;
    }
    out(
      `${file}: images.pinning is "${pinning}"${tagged.length ? `; pinned by tag: ${tagged.map(key).join(", ")}` : ""}. ` +
        `Deploys take reviewed digests: run the pin-digests workflow (or npm run pin-digests -- --config ${file} --write) and merge its pull request.\n`,
    );
    return 1;
  }

  const endpoint = (registry: string) => options.endpoints[registry] ?? defaultEndpoint(registry);
  const pins: Pin[] = [];
  const failures: string[] = [];
  const lookups = new Map<string, Promise<string>>();
  for (const s of images) {
    const tagged = tagOf(s.image);
    if (!lookups.has(tagged)) lookups.set(tagged, lookupDigest(tagged, { endpoint, ...(fetchImpl ? { fetch: fetchImpl } : {}) }));
    try {
      pins.push({ ...s, pinned: `${tagged}@${await lookups.get(tagged)!}` });
    } catch (error) {
      failures.push(`${key(s)}: ${(error as Error).message}`);
    }
  }
  if (options.json) out(`${JSON.stringify(pins, null, 2)}\n`);
  else for (const p of pins) out(`${key(p)}  ${p.pinned}${p.pinned === p.image ? "  (unchanged)" : ""}\n`);
  if (failures.length) {
    out(`pin-digests: ${failures.length} lookup(s) failed, nothing written:\n${failures.map((f) => `  - ${f}`).join("\n")}\n`);
    return 1;
  }
  if (options.write) {
    const original = readFileSync(file, "utf8");
    writeFileSync(file, pinStackFile(original, pins));
    try {
      // The schema refuses any image left tag-pinned under `digest`: the written file must pass it.
      configOf(file, root);
    } catch (error) {
      writeFileSync(file, original);
      out(`pin-digests: the pinned stack file does not validate, left unchanged: ${(error as Error).message}\n`);
      return 1;
    }
    out(`wrote ${pins.length} digests and images.pinning: digest to ${file}\n`);
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
