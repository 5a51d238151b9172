// Workloads registered by their proxies: added on connect, removed a grace period after the last disconnect.

import { type Clock, systemClock, type TimerHandle } from '../common/clock.js';
import { TLS_MODE_LABEL } from './convert.js';
import type { WorkloadInstance } from './model.js';
import type { LocalRegistration } from './node-metadata.js';

/** How long a workload stays after its proxy's last connection closed, in ms (rides out reconnects). */
export const DEFAULT_DISCONNECT_GRACE_MS = 10_000;

export interface LocalRegistryOptions {
  /** Clock of the grace-period timers (virtual in tests). */
  clock?: Clock;
  graceMs?: number;
}

interface Entry {
  registration: LocalRegistration;
  instance: WorkloadInstance;
  connections: number;
  removal?: TimerHandle;
}

export function instanceOf(reg: LocalRegistration): WorkloadInstance {
  return Object.freeze({
    name: reg.name,
    namespace: reg.namespace,
    address: reg.addresses[0],
    ports: Object.freeze({ ...reg.ports }),
    labels: Object.freeze({ ...reg.labels }),
    serviceAccount: reg.serviceAccount,
    locality: reg.locality,
    ...(reg.network ? { network: reg.network } : {}),
    // A registering proxy is a Trellis sidecar: it speaks mesh mTLS unless its labels say otherwise (Istio's label).
    tlsMode: reg.labels[TLS_MODE_LABEL] === 'disabled' ? ('disabled' as const) : ('istio' as const),
    origin: { kind: 'local', namespace: reg.namespace, name: reg.proxyId },
  });
}

export class LocalRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly handlers = new Set<() => void>();
  private readonly clock: Clock;
  private readonly graceMs: number;

  constructor(options: LocalRegistryOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.graceMs = options.graceMs ?? DEFAULT_DISCONNECT_GRACE_MS;
  }

  /**
   * Registers (or updates) the workload of a connected proxy. Returns the disconnect function of this
   * connection: the instance leaves `graceMs` after the proxy's last open connection closed, unless it
   * reconnects first. Calling the returned function twice has no further effect.
   */
  connect(registration: LocalRegistration): () => void {
    const id = registration.proxyId;
    const existing = this.entries.get(id);
    if (existing?.removal !== undefined) this.clock.clearTimeout(existing.removal);
    const instance = instanceOf(registration);
    const changed = !existing || JSON.stringify(existing.instance) !== JSON.stringify(instance);
    const entry: Entry = { registration, instance, connections: (existing?.connections ?? 0) + 1 };
    this.entries.set(id, entry);
    if (changed) this.notify();
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      const current = this.entries.get(id);
      if (!current) return;
      current.connections--;
      if (current.connections > 0) return;
      current.removal = this.clock.setTimeout(() => {
        if (this.entries.get(id) !== current || current.connections > 0) return;
        this.entries.delete(id);
        this.notify();
      }, this.graceMs);
    };
  }

  /** Instances of every registered workload (connected, or disconnected within the grace period). */
  instances(): WorkloadInstance[] {
    return [...this.entries.values()].map((e) => e.instance);
  }

  registrations(): LocalRegistration[] {
    return [...this.entries.values()].map((e) => e.registration);
  }

  /** Calls `handler` after every change to instances(). Returns the function that stops it. */
  onChange(handler: () => void): () => void {
    const wrapped = () => handler();
    this.handlers.add(wrapped);
    return () => this.handlers.delete(wrapped);
  }

  /** Cancels pending removals (the control plane is stopping). */
  close(): void {
    for (const e of this.entries.values()) if (e.removal !== undefined) this.clock.clearTimeout(e.removal);
  }

  private notify(): void {
    for (const h of [...this.handlers]) h();
  }
}
