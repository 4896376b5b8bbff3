export * from "./scaledObject";
