// Inside the namespace: HOST:PORT → Unix socket. Prints one line when listening.
import { connect, createServer } from 'node:net';

const [host, port, socketPath] = process.argv.slice(2);
createServer((inbound) => {
  const out = connect(socketPath!);
  inbound.pipe(out).pipe(inbound);
  const end = () => {
    inbound.destroy();
    out.destroy();
  };
  inbound.on('error', end);
  out.on('error', end);
}).listen(Number(port), host, () => process.stdout.write('listening\n'));
