// Lets plain `node` run the benchmark straight from src/: `node --import ./bench/store/register-ts.mjs …`.
// Why not dist/: building all of src/ ties a store benchmark to whatever else is half-written.
import { register } from 'node:module';

register('./ts-loader.mjs', import.meta.url);
