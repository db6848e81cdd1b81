export * from "./image";
