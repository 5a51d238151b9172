// Runs the ConfigStore conformance suite over the in-memory backend.
import { runConfigStoreConformance } from './conformance.js';
import { MemoryConfigStore } from './memory-store.js';

runConfigStoreConformance('memory', async () => new MemoryConfigStore());
