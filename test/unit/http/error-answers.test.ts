import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { startHttpRig } from '../../helpers/http-rig.js';

t.test('413 answers state the limit, and the size when the request declared it', async (t) => {
  const rig = await startHttpRig({ bodyLimit: 1000 });
  t.teardown(() => rig.close());
  const sized = await rig.app.inject({ method: 'POST', url: '/events', payload: Buffer.alloc(5000, 0x20), headers: { 'content-type': 'application/json' } });
  t.equal(sized.statusCode, 413);
  t.match(sized.json(), { error: { code: 'payload_too_large', message: /5000 bytes, over the limit of 1000/, details: { limit: 1000, size: 5000 } } });

  // Chunked: no size is declared, and the server stops reading at the limit.
  await rig.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = rig.app.server.address() as AddressInfo;
  const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/events', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (let i = 0; i < 10; i++) req.write(Buffer.alloc(500, 0x20));
    req.end();
  });
  t.equal(chunked.status, 413);
  const body = JSON.parse(chunked.body) as { error: { code: string; message: string; details: Record<string, unknown> } };
  t.match(body.error, { code: 'payload_too_large', message: /over the limit of 1000 bytes/, details: { limit: 1000 } });
  t.notOk('size' in body.error.details, 'no size claimed when none was declared');
});
