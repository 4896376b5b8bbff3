import * as v1 from "./v1";

export { v1 };
