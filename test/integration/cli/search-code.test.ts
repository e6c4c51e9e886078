import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../helpers/index-workspace.js';
import { oneJsonLine, runCli } from '../../helpers/run-cli.js';

/**
 * `ragctl search` over a real code index, as people read it: each hit names the definition it
 * is in. A top-level function has no enclosing class, so its heading path is empty and only its
 * symbol can name it.
 */

const SHIPPING = `import math


def shipping_cost(weight_kg, distance_km):
    """Price of a parcel: a base fee, then per kilogram and per started hundred kilometres."""
    base = 4.5
    return base + 1.2 * weight_kg + 0.8 * math.ceil(distance_km / 100)


class Parcel:
    def __init__(self, weight_kg):
        self.weight_kg = weight_kg

    def volumetric_weight(self, length_cm, width_cm, height_cm):
        """Couriers bill the larger of the real weight and length x width x height / 5000."""
        return max(self.weight_kg, length_cm * width_cm * height_cm / 5000)
`;

describe('ragctl search on a code source (no daemon)', () => {
  let ws: Workspace;
  let config: string;
  const ragctl = (...args: string[]) => runCli([...args, '--config', config], { cwd: ws.root });

  beforeAll(async () => {
    ws = await Workspace.create('cli-search-code');
    await ws.write('shop/shipping.py', SHIPPING);
    config = await ws.writeConfig({
      engines: { code: { chunker: 'code', mapper: 'code', include: ['**/*.py'] } },
      sources: [{ path: ws.notes, engine: 'code' }],
    });
    const indexed = await ragctl('index', '--json');
    expect(indexed.code, indexed.stderr).toBe(0);
    expect(oneJsonLine(indexed)).toMatchObject({ filesAdded: 1 });
  });
  afterAll(async () => {
    await ws.cleanup();
  });

  it("names a top-level function's hit by its symbol, a method's by Class.method", async () => {
    const fn = await ragctl(
      'search',
      'price of a parcel per kilogram',
      '--symbol',
      'shipping_cost',
      '-k',
      '1',
    );
    expect(fn.code, fn.stderr).toBe(0);
    expect(fn.stdout.split('\n')[0]).toMatch(
      /^ 1\. notes\/shop\/shipping\.py:4-7 {2}shipping_cost {2}\(score \d\.\d{4}\)$/,
    );

    const method = await ragctl(
      'search',
      'volumetric weight',
      '--symbol',
      'Parcel.volumetric_weight',
      '-k',
      '1',
    );
    expect(method.code, method.stderr).toBe(0);
    expect(method.stdout.split('\n')[0]).toMatch(
      /^ 1\. notes\/shop\/shipping\.py:\d+-\d+ {2}Parcel\.volumetric_weight {2}\(score \d\.\d{4}\)$/,
    );
  });
});
