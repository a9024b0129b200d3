// comlink ships node-adapter.d.ts next to node-adapter.mjs; the .mjs specifier (which Node needs) finds no types by itself.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  export { default } from 'comlink/dist/esm/node-adapter';
}
