import { createHash, createHmac } from "node:crypto";

/** The pod-template annotation that changes whenever a Secret the pod reads changes: the pod restarts. */
export const SECRET_HASH_ANNOTATION = "llm-platform.io/secret-hash";

/**
 * A keyed one-way digest of secret values, safe to show in a pod template: an HMAC-SHA256 keyed with a
 * secret the reader does not have (the gateway's salt key, Qdrant's API key), so even a short password
 * cannot be guessed from it offline. Values are taken in key order, each length-prefixed.
 */
export function secretHash(key: string, values: Record<string, string>): string {
  const mac = createHmac("sha256", key);
  for (const name of Object.keys(values).sort()) {
    const value = values[name]!;
    mac.update(`${name.length}:${name}${value.length}:${value}`);
  }
  return mac.digest("hex").slice(0, 32);
}

/** A short content hash for object names (Jobs named after what they do). */
export function contentHash(text: string, length = 8): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");

/**
 * An HS256 JSON Web Token: Qdrant verifies client tokens with HS256 and its API key as the secret
 * (qdrant/qdrant src/common/auth/jwt_parser.rs), and refuses tokens without `exp`.
 */
export function signJwtHs256(secret: string, claims: Record<string, unknown>): string {
  const signingInput = `${base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${base64url(JSON.stringify(claims))}`;
  return `${signingInput}.${createHmac("sha256", secret).update(signingInput).digest("base64url")}`;
}
