import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console builds into dist/web, which `vane serve` serves at `/`.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: resolve(import.meta.dirname, '../dist/web'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    // `vite --config web/vite.config.ts` during development, against a local `vane serve`.
    proxy: { '/v1': 'http://127.0.0.1:8080', '/compute': 'http://127.0.0.1:8080' },
  },
});
