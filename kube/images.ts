/**
 * Container image references (https://github.com/distribution/reference grammar): what the policies and the
 * program need to tell a content-addressed image from a movable tag.
 */

/** True when an image reference names its content by digest (`repo[:tag]@sha256:<64 hex>`), not only by a movable tag. */
export function isDigestPinned(image: string): boolean {
  return /@sha256:[a-f0-9]{64}$/.test(image);
}
