import { ServiceError } from './errors.js';
import { LaunchdManager } from './launchd.js';
import { readTemplate } from './plist.js';
import { SystemdManager } from './systemd.js';
import type { ServiceManager, ServicePlatform } from './types.js';

/** launchd on macOS, systemd on Linux; nothing else has a supported per-user service manager. */
export function platformFor(os: NodeJS.Platform): ServicePlatform {
  if (os === 'darwin') return 'launchd';
  if (os === 'linux') return 'systemd';
  throw new ServiceError('unsupported-platform', `ragctl cannot install a service on ${os}`, {
    fix: 'run `ragctl daemon run` under your own supervisor (a terminal, tmux, a scheduled task)',
  });
}

/** `template`: the plist template's text; read from launchd/ when not given. */
export function createServiceManager(platform: ServicePlatform, template?: string): ServiceManager {
  return platform === 'launchd' ? new LaunchdManager(template ?? readTemplate()) : new SystemdManager();
}
