import * as v1alpha1 from "./v1alpha1";

export { v1alpha1 };
