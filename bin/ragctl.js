#!/usr/bin/env node
// The ragctl command. Kept tiny: it loads only the CLI, which loads LanceDB and the model
// lazily, so `ragctl search` answered by a running daemon starts fast.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
