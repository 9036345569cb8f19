// Installs the Debian packages the tests need when they are missing: Chromium (Playwright's own
// browser download cannot run on these machines) and the Python stack of the model scripts
// (Debian's torch is seen only by /usr/bin/python3).
import { existsSync } from 'node:fs';
import { execSync, spawnSync } from 'node:child_process';

const missing = [];
if (!existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium')) missing.push('chromium');
const py = spawnSync('/usr/bin/python3', ['-c', 'import numpy, PIL, torch, onnx, cv2'], { stdio: 'ignore' });
if (py.status !== 0) missing.push('python3-numpy', 'python3-pil', 'python3-torch', 'python3-onnx', 'python3-opencv');

if (missing.length) {
  console.log(`installing Debian packages: ${missing.join(' ')}`);
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  execSync(`${sudo}apt-get update -qq && ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')}`, { stdio: 'inherit' });
}
