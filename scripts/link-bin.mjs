// npm links the bins of dependencies, never a package's own: link ours so that
// `npx vane` in a checkout runs this checkout.
import { chmodSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'dist', 'src', 'cli', 'main.js');
const binDir = join(root, 'node_modules', '.bin');
const link = join(binDir, 'vane');
mkdirSync(binDir, { recursive: true });
rmSync(link, { force: true });
symlinkSync(relative(binDir, target), link);
chmodSync(target, 0o755);
