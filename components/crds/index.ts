// Typed cert-manager resources in crd2pulumi's layout (see scripts/regen-crds.sh).
import * as certmanager from "./certmanager";
import * as types from "./types";

export { certmanager, types };
