import type { ComponentFactory, ComponentKind, ExporterFactory, ProcessorFactory } from './contracts.ts';

/**
 * Where components are found by `type`. Built-ins and third-party packages register the same way,
 * like fastify plugins: the application decides which factories its logger may use.
 */
export class ComponentRegistry {
  private readonly processors = new Map<string, ProcessorFactory>();
  private readonly exporters = new Map<string, ExporterFactory>();

  constructor(factories: readonly ComponentFactory[] = []) {
    for (const factory of factories) this.register(factory);
  }

  register(factory: ComponentFactory): this {
    const table: Map<string, ComponentFactory> =
      factory.kind === 'processor' ? this.processors : this.exporters;
    const existing = table.get(factory.type);
    if (existing !== undefined && existing !== factory) {
      throw new Error(`a ${factory.kind} factory of type "${factory.type}" is already registered`);
    }
    table.set(factory.type, factory);
    return this;
  }

  getProcessor(type: string): ProcessorFactory | undefined {
    return this.processors.get(type);
  }

  getExporter(type: string): ExporterFactory | undefined {
    return this.exporters.get(type);
  }

  types(kind: ComponentKind): string[] {
    return [...(kind === 'processor' ? this.processors : this.exporters).keys()].sort();
  }
}

/** `sampling/default` → `sampling`. */
export function componentType(id: string): string {
  const slash = id.indexOf('/');
  return slash === -1 ? id : id.slice(0, slash);
}
