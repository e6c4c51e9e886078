import { describe, expect, it } from 'vitest';
import { usedImports } from '../../../src/context/imports.js';

describe('usedImports', () => {
  it('keeps the Java imports the code names, and says how many it left out', () => {
    const lines = [
      'import com.google.gson.internal.Excluder;',
      'import com.google.gson.internal.bind.TypeAdapters;',
      'import com.google.gson.reflect.TypeToken;',
      'import java.lang.reflect.Type;',
      'import java.util.ArrayList;',
      'import java.util.Collections;',
      'import java.util.HashMap;',
      'import java.util.List;',
      'import static com.google.gson.Gson.DEFAULT_LENIENT;',
    ];
    const used =
      'public GsonBuilder registerTypeAdapter(Type type, Object typeAdapter) { List<X> l = new ArrayList<>(); }';
    expect(usedImports(lines, 'java', used)).toEqual([
      'import java.lang.reflect.Type;',
      'import java.util.ArrayList;',
      'import java.util.List;',
      '… (6 more imports, not used by the code shown)',
    ]);
  });

  it('reads Python, TypeScript, Rust and Go forms, aliases and multi-line lists', () => {
    const python = [
      'import os.path',
      'import json as j',
      'from typing import (',
      '    Any,',
      '    Optional,',
      ')',
      'from .models import Session, Request as Req',
      'import re',
    ];
    expect(
      usedImports(python, 'python', 'def f(p: Optional[str]): return os.path.join(j.dumps(p), Req)'),
    ).toEqual([
      'import os.path',
      'import json as j',
      'from typing import (',
      '    Any,',
      '    Optional,',
      ')',
      'from .models import Session, Request as Req',
      '… (1 more import, not used by the code shown)',
    ]);
    const ts = [
      "import { readFile, writeFile } from 'node:fs/promises';",
      "import type { Config } from './config.js';",
      "import * as path from 'node:path';",
      "import chalk from 'chalk';",
      "import './polyfill.js';",
      "import { z } from 'zod';",
      "import { isDeepStrictEqual } from 'node:util';",
      "import { createHash } from 'node:crypto';",
    ];
    expect(usedImports(ts, 'typescript', 'const text = await readFile(p); chalk.red(text)')).toEqual([
      "import { readFile, writeFile } from 'node:fs/promises';",
      "import * as path from 'node:path';",
      "import chalk from 'chalk';",
      "import './polyfill.js';",
      '… (4 more imports, not used by the code shown)',
    ]);
    const go = [
      'import (',
      '\t"fmt"',
      '\t"net/http"',
      '\tstr "strings"',
      '\t_ "embed"',
      '\t"os"',
      '\t"sort"',
      '\t"time"',
      ')',
    ];
    expect(usedImports(go, 'go', 'http.Get(url); str.ToLower(s)')).toEqual([
      'import (',
      '\t"net/http"',
      '\tstr "strings"',
      '\t_ "embed"',
      ')',
      '… (4 more imports, not used by the code shown)',
    ]);
    const rust = [
      'use std::collections::HashMap;',
      'use std::fmt::{self, Display};',
      'use crate::error::Error as E;',
      'use serde::*;',
      'use std::io;',
      'use std::sync::Arc;',
      'use std::path::Path;',
      'use std::time::Duration;',
    ];
    expect(usedImports(rust, 'rust', 'fn f(m: HashMap<u8, E>) -> fmt::Result')).toEqual([
      'use std::collections::HashMap;',
      'use std::fmt::{self, Display};',
      'use crate::error::Error as E;',
      'use serde::*;',
      '… (4 more imports, not used by the code shown)',
    ]);
  });

  it('leaves nothing, not a note under blank lines, when the code uses none of them', () => {
    const lines = [
      '',
      'import a.B;',
      'import a.C;',
      'import a.D;',
      'import a.E;',
      'import a.F;',
      'import a.G;',
      '',
    ];
    expect(usedImports(lines, 'java', 'class X {}')).toEqual([]);
  });

  it('keeps a short block whole, and C includes and C# usings always', () => {
    expect(usedImports(['import a.B;', 'import a.C;'], 'java', '')).toBeUndefined();
    const c = Array.from({ length: 9 }, (_, i) => `#include <h${i}.h>`);
    expect(usedImports(c, 'c', 'int main() {}')).toBeUndefined();
    const cs = Array.from({ length: 9 }, (_, i) => `using System.N${i};`);
    expect(usedImports(cs, 'csharp', 'class A {}')).toBeUndefined();
  });
});
