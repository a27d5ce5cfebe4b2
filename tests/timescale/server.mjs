// A TimescaleDB test server: PGlite (PostgreSQL in WebAssembly) with the timescaledb
// extension, held in memory and served over the PostgreSQL wire protocol on 127.0.0.1.
//
// Usage: node server.mjs PORT [--stop-on-stdin-eof]
//   PORT 0 picks a free port. Prints "ready PORT" once it accepts connections.
//   SIGTERM or SIGINT stop it cleanly; with --stop-on-stdin-eof, so does the end of its
//   standard input, so that it never outlives the test process that started it.
// A test tool only: one database, one client at a time (others wait), nothing on disk.

import { PGlite } from '@electric-sql/pglite';
import { timescaledb } from '@electric-sql/pglite/timescaledb';
import { PGLiteSocketHandler, PGLiteSocketServer } from '@electric-sql/pglite-socket';

const port = Number.parseInt(process.argv[2] ?? '', 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error('usage: node server.mjs PORT [--stop-on-stdin-eof]');
  process.exit(2);
}

// PGlite has a single session, which pglite-socket hands from one client to the next as is;
// and on Terminate it waits for the client to hang up, while asyncpg's close() waits for the
// server to. PostgreSQL ends a client's session instead: it rolls back what was left open,
// forgets session state (role, settings, prepared statements), and closes the socket.
// These two methods of the pinned pglite-socket 0.0.19 are wrapped to do the same.
const handleData = PGLiteSocketHandler.prototype.handleData;
const handleClose = PGLiteSocketHandler.prototype.handleClose;

PGLiteSocketHandler.prototype.handleData = async function (data) {
  if (!isTerminate(data)) return handleData.call(this, data);
  await endSession(this.db);
  this.sessionEnded = true;
  this.socket?.end(); // the client hangs up in turn; handleClose then lets the next one in
  return 0;
};

PGLiteSocketHandler.prototype.handleClose = async function () {
  if (!this.sessionEnded) await endSession(this.db);
  handleClose.call(this);
};

// Terminate: the byte 'X' and the length 4. Clients send it alone, as their last message.
function isTerminate(data) {
  return data.length === 5 && data[0] === 0x58 && data.readInt32BE(1) === 4;
}

async function endSession(db) {
  try {
    for (const sql of ['ROLLBACK', 'DISCARD ALL']) {
      await db.execProtocolRaw(simpleQuery(sql));
    }
  } catch (error) {
    console.error('could not end a session:', error);
  }
}

function simpleQuery(sql) {
  const text = Buffer.from(`${sql}\0`);
  const message = Buffer.alloc(5 + text.length);
  message.write('Q', 0);
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return new Uint8Array(message);
}

const db = await PGlite.create({ extensions: { timescaledb } });
const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port });
await server.start();
console.log(`ready ${server.port}`);

let stopping = false;

async function stop(reason) {
  if (stopping) return;
  stopping = true;
  await server.stop();
  await db.close();
  console.log(`stopped: ${reason}`);
  process.exit(0);
}

process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
if (process.argv.includes('--stop-on-stdin-eof')) {
  process.stdin.on('end', () => stop('end of standard input'));
  process.stdin.resume();
}
