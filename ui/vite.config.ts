import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Tauri loads `devUrl` (tauri.conf.json) in development and embeds `dist/` in builds.
export default defineConfig({
  plugins: [react()],
  // Keep Rust compiler errors visible in the terminal that runs `tauri dev`.
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
    watch: {
      ignored: ['**/src-tauri/**'],
    },
  },
  // Only variables with these prefixes reach the bundle.
  envPrefix: ['VITE_', 'TAURI_ENV_'],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
});
