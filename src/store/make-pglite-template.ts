/** `npm run build` runs this: dist/pglite-template/, the start of every new embedded store (pglite-template.ts). */
import { writePgliteTemplate } from './pglite-template.js';

const outcome = await writePgliteTemplate();
process.stdout.write(outcome === 'written' ? 'pglite template written: dist/pglite-template/\n' : 'pglite template is current\n');
