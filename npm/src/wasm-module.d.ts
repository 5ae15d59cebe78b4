/** A `.wasm` file imported as a compiled module (workerd, bundlers). */
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
