import { sveltekit } from '@sveltejs/kit/vite';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [sveltekit(), svelteTesting()],
  // `npm run dev` talks to a fapai on :8080.
  server: { proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true } } },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
  },
});
