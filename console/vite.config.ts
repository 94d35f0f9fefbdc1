// The console's build: `npm run build:console` writes console/dist (not committed), which
// the embedded runtime serves at `/` and the CDK app will put behind CloudFront.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  // `npm run console:dev`: the API of an embedded runtime on :3000.
  server: { proxy: { '/v1': 'http://127.0.0.1:3000' } },
});
