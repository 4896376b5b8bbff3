// Typed custom resources in crd2pulumi's layout (see scripts/regen-crds.sh): cert-manager
// (cert-manager.io/v1), the Gateway API (gateway.networking.k8s.io/v1) and NGINX Gateway Fabric's
// policies (gateway.nginx.org/v1alpha1) — both gateway groups land in crd2pulumi's `gateway` module —
// and KEDA's ScaledObject (keda.sh/v1alpha1, v2.20.2).
import * as certmanager from "./certmanager";
import * as gateway from "./gateway";
import * as keda from "./keda";
import * as types from "./types";

export { certmanager, gateway, keda, types };
