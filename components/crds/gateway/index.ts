import * as v1 from "./v1";
import * as v1alpha1 from "./v1alpha1";

export { v1, v1alpha1 };
