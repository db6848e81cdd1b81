export * from "./mime";
export * from "./html";
export * from "./esm";
export * from "./png";
export * from "./image-display";
export * from "./chart";
export * from "./progress";
export * from "./formatter";
