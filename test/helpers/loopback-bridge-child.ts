// Inside the namespace: 127.0.0.1:PORT → Unix socket. Prints one line when listening.
import { connect, createServer } from 'node:net';

const [port, socketPath] = process.argv.slice(2);
createServer((inbound) => {
  const out = connect(socketPath!);
  inbound.pipe(out).pipe(inbound);
  const end = () => {
    inbound.destroy();
    out.destroy();
  };
  inbound.on('error', end);
  out.on('error', end);
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
