import { WORKLOAD_KINDS, isDigestPinned, podSpecIn } from "@llm-platform/kube";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

const SHA256 = /^sha256:[a-f0-9]{64}$/;

type Container = { image?: unknown };

/**
 * A copy of a workload's props with every tag-pinned container image replaced by `resolve(image)`,
 * or undefined when the resource is not a workload or nothing changed. `resolve` returns the
 * pinned reference, or undefined to keep the image as it is.
 */
export async function pinWorkloadImages(
  type: string,
  props: Record<string, any>,
  resolve: (image: string) => Promise<string | undefined>,
): Promise<Record<string, any> | undefined> {
  if (podSpecIn(type, props) === undefined) return undefined;
  // Copies only along the path: other values may be secrets or resource references, which do not clone.
  const copy = { ...props };
  let podSpec: Record<string, any> = copy;
  for (const key of WORKLOAD_KINDS[type]!.podSpecPath) podSpec = podSpec[key] = { ...podSpec[key] };
  let changed = false;
  for (const list of ["initContainers", "containers"]) {
    if (!Array.isArray(podSpec[list])) continue;
    podSpec[list] = await Promise.all(
      (podSpec[list] as Container[]).map(async (c) => {
        if (typeof c.image !== "string" || isDigestPinned(c.image)) return c;
        const pinned = await resolve(c.image);
        if (!pinned || pinned === c.image) return c;
        changed = true;
        return { ...c, image: pinned };
      }),
    );
  }
  return changed ? copy : undefined;
}

/** `repo:tag@sha256:…`: the tag stays readable, the digest decides what is pulled. */
export function withDigest(image: string, sha256Digest: string | undefined): string | undefined {
  return sha256Digest && SHA256.test(sha256Digest) ? `${image}@${sha256Digest}` : undefined;
}

/**
 * `images.pinning: resolve`: every container image of every workload the program declares is pinned to
 * the digest its tag points at now, looked up in the registry (the Docker provider's registry-image
 * lookup; no Docker daemon needed). A tag moved later does not change what the cluster runs until the
 * next `pulumi up`, which shows the new digest as a diff. Images inside Helm charts are not touched.
 */
export function resolveImageDigests(): void {
  const registry = new docker.Provider("registry-lookups", { disableDockerDaemonCheck: true });
  const lookups = new Map<string, Promise<string | undefined>>();
  const resolve = (image: string): Promise<string | undefined> => {
    let pinned = lookups.get(image);
    if (!pinned) {
      pinned = docker.getRegistryImage({ name: image }, { provider: registry }).then((r) => {
        const ref = withDigest(image, r.sha256Digest);
        if (!ref)
          pulumi.log.warn(
            `images.pinning resolve: no digest for ${image} from the registry lookup (an offline plan cannot reach registries); it stays pinned by tag`,
          );
        return ref;
      });
      lookups.set(image, pinned);
    }
    return pinned;
  };
  pulumi.runtime.registerResourceTransform(async ({ type, props, opts }) => {
    const pinned = await pinWorkloadImages(type, props, resolve);
    return pinned ? { props: pinned, opts } : undefined;
  });
}
