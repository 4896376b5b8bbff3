export const PART_OF = "llm-platform";

/** Recommended Kubernetes labels; `selectorLabels` is the immutable subset used in selectors. */
export function selectorLabels(name: string, instance: string): Record<string, string> {
  return { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": instance };
}

export function standardLabels(name: string, instance: string, component: string, version?: string): Record<string, string> {
  return {
    ...selectorLabels(name, instance),
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/managed-by": "pulumi",
    ...(version ? { "app.kubernetes.io/version": version } : {}),
  };
}

/** The image tag as a label value (labels allow 63 characters of [A-Za-z0-9._-]). */
export function imageVersion(image: string): string | undefined {
  const tag = /:([\w][\w.-]*)$/.exec(image.split("@")[0]!)?.[1];
  return tag?.slice(0, 63);
}
