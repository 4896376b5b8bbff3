import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { judgeCertificate, judgeRedirect, type CertificateInfo } from "../../smoke/tls";
import { EDGE_HOST, startEdgeDouble, startRedirectDouble, type EdgeDouble, type EdgeFaults } from "./edgeDouble";
import { KEY, QDRANT_TOKEN, resultOf, row, smoke } from "./helpers";

const DAY = 86_400_000;
const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;

/** A self-signed certificate for `name`, valid `days` days from now (openssl, as an operator would make one). */
function selfSigned(dir: string, name: string, days: number): { key: string; cert: string; file: string } {
  const key = join(dir, `${name}-${days}.key`);
  const file = join(dir, `${name}-${days}.pem`);
  const made = spawnSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      file,
      "-days",
      String(days),
      "-subj",
      `/CN=${name}`,
      "-addext",
      `subjectAltName=DNS:${name}`,
    ],
    { encoding: "utf8" },
  );
  assert.equal(made.status, 0, made.stderr);
  return { key: readFileSync(key, "utf8"), cert: readFileSync(file, "utf8"), file };
}

describe("npm run smoke over HTTPS: certificate, redirect, HSTS", function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), "smoke-tls-"));
  let good: ReturnType<typeof selfSigned>;
  let edge: EdgeDouble | undefined;
  let redirect: { url: string; close: () => Promise<void> } | undefined;

  before(function () {
    if (!hasOpenssl) this.skip(); // Debian: the openssl package
    good = selfSigned(dir, EDGE_HOST, 90);
  });
  afterEach(async () => {
    await edge?.close();
    await redirect?.close();
    edge = redirect = undefined;
  });

  const https = async (tls: { key: string; cert: string }, faults: EdgeFaults = {}) => {
    edge = await startEdgeDouble({ keys: { [KEY]: "webui" }, qdrantTokens: { [QDRANT_TOKEN]: "webui" }, tls, faults });
    return edge;
  };
  const args = (d: EdgeDouble, ...more: string[]) => ["--stack", "prod", "--url", d.url, "--api-key", KEY, "--qdrant-token", QDRANT_TOKEN, ...more];

  it("passes a trusted certificate for the host, the 308 redirect and HSTS through a port-forward (Host and SNI = the edge host)", async () => {
    const d = await https(good);
    redirect = await startRedirectDouble();
    const run = await smoke(args(d, "--ca", good.file, "--http-url", redirect.url));
    assert.equal(run.code, 0, run.stdout);
    const daysLeft = Math.floor((new Date(new X509Certificate(good.cert).validTo).getTime() - Date.now()) / DAY);
    assert.ok(daysLeft === 89 || daysLeft === 90);
    assert.match(
      row(run.stdout, "certificate valid for the host"),
      new RegExp(
        `^PASS .*CN=${EDGE_HOST.replace(/\./g, "\\.")}, issuer ${EDGE_HOST.replace(/\./g, "\\.")}, valid until \\d{4}-\\d\\d-\\d\\d \\(${daysLeft} days left\\)`,
      ),
    );
    assert.match(row(run.stdout, "plain HTTP redirects to HTTPS"), /^PASS .* 308 .*HTTP 308 → https:\/\/llm\.example\.com\/v1\/models$/);
    assert.match(row(run.stdout, "HSTS header on HTTPS answers"), /^PASS .*max-age=31536000; includeSubDomains$/);
    assert.deepEqual([...new Set(edge!.calls.map((c) => c.host))], [EDGE_HOST]);
  });

  it("fails an untrusted (self-signed) certificate, and the HTTPS calls say why they fail", async () => {
    const d = await https(good);
    redirect = await startRedirectDouble();
    const run = await smoke(args(d, "--http-url", redirect.url));
    assert.equal(run.code, 1);
    assert.match(row(run.stdout, "certificate valid for the host"), /^FAIL .*is not trusted: DEPTH_ZERO_SELF_SIGNED_CERT/);
    // The first HTTPS request meets the refusal; the rest are not sent.
    assert.match(row(run.stdout, "HSTS header on HTTPS answers"), /^FAIL .*self-signed certificate/);
    assert.match(row(run.stdout, "model list names every adapter"), /^FAIL .*not run: https:\/\/127\.0\.0\.1:\d+ fails TLS verification \(see tls-hsts\)/);
    assert.equal(resultOf(run.stdout, "plain HTTP redirects to HTTPS"), "PASS");
    assert.match(run.stdout, /TLS verification failed: see the tls-certificate check; kubectl describe certificate -n ingress-nginx edge-tls/);
    assert.equal(edge!.calls.length, 0);
  });

  it("fails a certificate that does not cover the host", async () => {
    const other = selfSigned(dir, "other.example.com", 90);
    const d = await https(other);
    const run = await smoke(args(d, "--ca", other.file));
    assert.equal(run.code, 1);
    assert.match(
      row(run.stdout, "certificate valid for the host"),
      /^FAIL .*CN=other\.example\.com, issuer other\.example\.com does not cover llm\.example\.com/,
    );
  });

  it("warns, exit 0, when the certificate has fewer days left than --cert-warn-days", async () => {
    const short = selfSigned(dir, EDGE_HOST, 3);
    const d = await https(short);
    const run = await smoke(args(d, "--ca", short.file));
    assert.equal(run.code, 0, run.stdout);
    const daysLeft = Math.floor((new Date(new X509Certificate(short.cert).validTo).getTime() - Date.now()) / DAY);
    assert.match(
      row(run.stdout, "certificate valid for the host"),
      new RegExp(`^WARN .*${daysLeft} day\\(s\\) left \\(under 14\\): cert-manager should have renewed it by now`),
    );
    assert.match(run.stdout, /WARN certificate valid for the host \[tls-certificate\]/);
    const relaxed = await smoke(args(d, "--ca", short.file, "--cert-warn-days", "2"));
    assert.equal(resultOf(relaxed.stdout, "certificate valid for the host"), "PASS");
  });

  it("fails a missing HSTS header", async () => {
    const d = await https(good, { noHsts: true });
    const run = await smoke(args(d, "--ca", good.file));
    assert.equal(run.code, 1);
    assert.match(row(run.stdout, "HSTS header on HTTPS answers"), /^FAIL .*no Strict-Transport-Security header \(HTTP 200\)/);
  });

  it("fails a plain-HTTP answer that is not a redirect to HTTPS", async () => {
    const d = await https(good);
    redirect = await startRedirectDouble(() => ({ status: 200 }));
    const run = await smoke(args(d, "--ca", good.file, "--http-url", redirect.url));
    assert.equal(run.code, 1);
    assert.match(
      row(run.stdout, "plain HTTP redirects to HTTPS"),
      /^FAIL .* 200 .*HTTP 200, expected 308 \(or 301\) → https:\/\/llm\.example\.com\/v1\/models/,
    );
  });

  it("skips the redirect for a port-forwarded https URL without --http-url, saying what to pass", async () => {
    const d = await https(good);
    const run = await smoke(args(d, "--ca", good.file));
    assert.equal(run.code, 0, run.stdout);
    assert.match(row(run.stdout, "plain HTTP redirects to HTTPS"), /^SKIP .*--url has port \d+: pass --http-url for the plain-HTTP entry/);
  });
});

describe("certificate judgement (boundaries)", () => {
  const now = new Date("2026-06-01T00:00:00Z");
  const info = (over: Partial<CertificateInfo> = {}): CertificateInfo => ({
    chainTrusted: true,
    subject: EDGE_HOST,
    issuer: "R12",
    validFrom: new Date(now.getTime() - 30 * DAY),
    validTo: new Date(now.getTime() + 60 * DAY),
    latencyMs: 1,
    ...over,
  });
  const ctx = { host: EDGE_HOST, warnDays: 14, now, certificateHint: "describe the Certificate" };

  it("passes with more than the warning threshold left, exactly at it too", () => {
    assert.deepEqual(judgeCertificate(info(), ctx), { result: "pass", detail: "CN=llm.example.com, issuer R12, valid until 2026-07-31 (60 days left)" });
    assert.equal(judgeCertificate(info({ validTo: new Date(now.getTime() + 14 * DAY) }), ctx).result, "pass");
  });

  it("warns one millisecond under the threshold", () => {
    const j = judgeCertificate(info({ validTo: new Date(now.getTime() + 14 * DAY - 1) }), ctx);
    assert.equal(j.result, "warn");
    assert.match(j.detail, /13 day\(s\) left \(under 14\)/);
    assert.equal(j.hint, "describe the Certificate");
  });

  it("fails at the expiry instant, warns a millisecond before", () => {
    assert.match(judgeCertificate(info({ validTo: now }), ctx).detail, /expired on 2026-06-01/);
    assert.equal(judgeCertificate(info({ validTo: now }), ctx).result, "fail");
    assert.equal(judgeCertificate(info({ validTo: new Date(now.getTime() + 1) }), ctx).result, "warn");
  });

  it("fails before the start of validity, passes at it", () => {
    const early = judgeCertificate(info({ validFrom: new Date(now.getTime() + 1) }), ctx);
    assert.equal(early.result, "fail");
    assert.match(early.detail, /is not valid before 2026-06-01T00:00:00\.001Z/);
    assert.equal(judgeCertificate(info({ validFrom: now }), ctx).result, "pass");
  });

  it("fails an untrusted chain, and names Let's Encrypt staging's roots for a staging stack", () => {
    const untrusted = info({ chainTrusted: false, chainError: "UNABLE_TO_GET_ISSUER_CERT_LOCALLY" });
    assert.match(judgeCertificate(untrusted, ctx).detail, /is not trusted: UNABLE_TO_GET_ISSUER_CERT_LOCALLY$/);
    assert.match(
      judgeCertificate(untrusted, { ...ctx, acme: "staging" }).detail,
      /Let's Encrypt staging, whose roots are untrusted by design: pass --ca with them/,
    );
  });

  it("recognises ingress-nginx's fake default certificate (TLS Secret missing or not issued)", () => {
    const j = judgeCertificate(
      info({ subject: "Kubernetes Ingress Controller Fake Certificate", chainTrusted: false, chainError: "DEPTH_ZERO_SELF_SIGNED_CERT" }),
      ctx,
    );
    assert.equal(j.result, "fail");
    assert.match(j.detail, /the controller's fake default certificate is served for llm\.example\.com/);
  });

  it("fails a name mismatch before anything else", () => {
    assert.match(judgeCertificate(info({ nameError: "Hostname/IP does not match certificate's altnames" }), ctx).detail, /does not cover llm\.example\.com/);
  });
});

describe("redirect judgement", () => {
  const at = { host: EDGE_HOST, path: "/v1/models" };
  it("accepts a 308 or a 301 to the same path on https://<host>", () => {
    assert.equal(judgeRedirect(308, "https://llm.example.com/v1/models", at).result, "pass");
    assert.equal(judgeRedirect(301, "https://llm.example.com/v1/models", at).result, "pass");
  });
  it("refuses other statuses, a missing or plain-HTTP Location, another host or path", () => {
    const cases: [number, string | undefined, RegExp][] = [
      [302, "https://llm.example.com/v1/models", /HTTP 302 → https:\/\/llm\.example\.com\/v1\/models, expected 308 \(or 301\)/],
      [307, "https://llm.example.com/v1/models", /HTTP 307/],
      [200, undefined, /HTTP 200, expected 308/],
      [308, undefined, /without a Location header/],
      [308, "http://llm.example.com/v1/models", /expected → https:\/\/llm\.example\.com\/v1\/models/],
      [308, "/v1/models", /HTTP 308 → \/v1\/models, expected/],
      [308, "https://evil.example.com/v1/models", /expected → https:\/\/llm\.example\.com/],
      [308, "https://llm.example.com/", /expected → https:\/\/llm\.example\.com\/v1\/models/],
    ];
    for (const [status, location, message] of cases) {
      const j = judgeRedirect(status, location, at);
      assert.equal(j.result, "fail", `${status} ${location}`);
      assert.match(j.detail, message);
    }
  });
});
