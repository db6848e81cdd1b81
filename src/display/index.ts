export * from "./mime";
