export * from "./image";
export * from "./fft";
export * from "./filters";
