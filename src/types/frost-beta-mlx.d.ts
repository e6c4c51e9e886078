/**
 * The part of node-mlx (`@frost-beta/mlx` 0.0.7) that ragctl uses, typed by hand.
 *
 * The package's own index.d.ts re-exports its TypeScript *sources* (lib/nn/*.ts), which do not
 * type-check under this project's strict ESM settings; tsconfig's `paths` points the compiler
 * here instead. Runtime behaviour is untouched: Node still loads the package itself.
 */
declare module '@frost-beta/mlx' {
  export namespace core {
    type DeviceType = number;
    const cpu: DeviceType;
    const gpu: DeviceType;
    class Device {
      type: DeviceType;
    }
    function defaultDevice(): Device;
    function setDefaultDevice(device: Device | DeviceType): void;

    class Dtype {
      size: number;
    }
    const float32: Dtype;
    const float16: Dtype;
    const bfloat16: Dtype;
    const int32: Dtype;

    type Scalar = boolean | number;
    type Nested<T> = Nested<T>[] | T;
    type ScalarOrArray = Nested<Scalar | array>;
    interface Slice {
      start: number | null;
      stop: number | null;
      step: number | null;
    }
    function Slice(start?: number | null, stop?: number | null, step?: number | null): Slice;
    type ArrayIndex = null | number | array | Slice;

    class array {
      constructor(value: ScalarOrArray, dtype?: Dtype);
      readonly shape: number[];
      readonly ndim: number;
      readonly size: number;
      readonly dtype: Dtype;
      astype(dtype: Dtype): array;
      index(...index: ArrayIndex[]): array;
      item(): Scalar;
      tolist(): Nested<Scalar>;
    }
    // biome-ignore lint/suspicious/noRedeclare: the native module exports `array` as both a class and a factory
    function array(value: ScalarOrArray, dtype?: Dtype): array;

    function add(a: ScalarOrArray, b: ScalarOrArray): array;
    function subtract(a: ScalarOrArray, b: ScalarOrArray): array;
    function multiply(a: ScalarOrArray, b: ScalarOrArray): array;
    function divide(a: ScalarOrArray, b: ScalarOrArray): array;
    function maximum(a: ScalarOrArray, b: ScalarOrArray): array;
    function minimum(a: ScalarOrArray, b: ScalarOrArray): array;
    function less(a: ScalarOrArray, b: ScalarOrArray): array;
    function square(a: ScalarOrArray): array;
    function sqrt(a: ScalarOrArray): array;
    function rsqrt(a: ScalarOrArray): array;
    function exp(a: ScalarOrArray): array;
    function erf(a: ScalarOrArray): array;
    function matmul(a: ScalarOrArray, b: ScalarOrArray): array;
    function addmm(
      c: ScalarOrArray,
      a: ScalarOrArray,
      b: ScalarOrArray,
      alpha?: number,
      beta?: number,
    ): array;
    function sum(a: ScalarOrArray, axis?: number | number[], keepdims?: boolean): array;
    function max(a: ScalarOrArray, axis?: number | number[], keepdims?: boolean): array;
    function reshape(a: ScalarOrArray, ...shape: number[]): array;
    function transpose(a: ScalarOrArray, ...axes: number[]): array;
    function expandDims(a: ScalarOrArray, axes: number | number[]): array;
    function concatenate(arrays: array[], axis?: number): array;
    function take(a: ScalarOrArray, indices: ScalarOrArray, axis?: number): array;
    function arange(start: number, stop: number, step?: number, dtype?: Dtype): array;
    function zeros(shape: number[], dtype?: Dtype): array;
    function ones(shape: number[], dtype?: Dtype): array;
    function full(shape: number[], value: ScalarOrArray, dtype?: Dtype): array;
    function where(condition: ScalarOrArray, x: ScalarOrArray, y: ScalarOrArray): array;
    function load(file: string): Record<string, array>;
    // biome-ignore lint/suspicious/noShadowRestrictedNames: MLX's own name for forcing evaluation
    function eval(...arrays: unknown[]): void;
    function compile<T extends unknown[], U>(f: (...args: T) => U, shapeless?: boolean): (...args: T) => U;
    function disableCompile(): void;
    function enableCompile(): void;

    namespace metal {
      function isAvailable(): boolean;
    }
    namespace fast {
      function layerNorm(x: array, weight: array | null, bias: array | null, eps: number): array;
    }
    namespace random {
      function normal(shape: number[], dtype?: Dtype, loc?: number, scale?: number): array;
      function seed(seed: number): void;
    }
  }
}
