import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate` turns schema changes into a new SQL file under migrations/; no database needed.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/schema.ts',
  out: './migrations',
});
