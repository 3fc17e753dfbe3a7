/**
 * Real backends for the pipeline's reference driver (test/unit/pipeline-driver.ts): each `DriverConnection` is
 * an authenticated connection to the test MariaDB (a packet channel after the handshake), so the
 * pipeline and the plugins run against the real server exactly as the session will run them.
 */
import { createPipeline, definePlugin, type PipelineOptions, type Plugin, ServerStatus } from "../../mod.ts";
import { binaryRowParser, textRowParser } from "../../src/protocol/rows.ts";
import { defaultValueOptions } from "../../src/protocol/values.ts";
import { resolveOptions } from "../../src/session/connection-options.ts";
import "../../src/entry/auto.ts"; // registers every runtime adapter
import { detectRuntime } from "../../src/runtime/detect.ts";
import { PacketChannel } from "../../src/session/channel.ts";
import { performHandshake, type ServerInfo } from "../../src/session/handshake.ts";
import { type TestEnv, testEnv } from "../support/env.ts";
import { type DriverConnection, PipelineDriver } from "../unit/pipeline-driver.ts";

/** Opens an authenticated connection to the test server as root. */
export async function openConnection(
  env: TestEnv,
  database = env.database,
): Promise<{ link: DriverConnection; info: ServerInfo }> {
  const options = resolveOptions({
    host: env.host,
    port: env.port,
    user: env.root.user,
    password: env.root.password,
    database,
  });
  const runtime = await detectRuntime();
  const socket = await runtime.connect({ host: env.host, port: env.port, timeout: 10_000 });
  const channel = new PacketChannel(socket, options.maxPacketSize);
  const info = await performHandshake(channel, options);
  const link: DriverConnection = {
    writeCommand: (payload) => channel.writeCommand(payload),
    write: (payload) => channel.write(payload),
    read: async () => (await channel.read()).slice(),
    close: () => channel.socket.close(),
  };
  return { link, info };
}

/** Backends for read/write splitting: the test server twice, as a primary and as a replica. */
export function twoBackends(env: TestEnv) {
  return [
    { host: env.host, port: env.port, type: "rw" as const },
    { host: env.host, port: env.port, type: "ro" as const },
  ];
}

/**
 * A driver on real backends: runs the connection phase's connectServer, then opens links to the
 * chosen backend (and to others as plugins route commands there).
 */
export async function realDriver<R = never, E = never>(
  plugins: readonly Plugin<R>[],
  options: PipelineOptions<R, E> = {},
): Promise<PipelineDriver & { info: ServerInfo; opened: number[] }> {
  const env = await testEnv();
  const pipeline = createPipeline(plugins.length ? plugins : [definePlugin({ name: "none" })], {
    rowParser: (fields, binary) =>
      binary
        ? binaryRowParser(fields, defaultValueOptions, false)
        : textRowParser(fields, defaultValueOptions, false),
    ...options,
  })!;
  const first = await openConnection(env);
  const info = first.info;
  let driver: PipelineDriver | undefined;
  const ps = pipeline.open({
    user: env.root.user,
    database: env.database,
    statusFlags: () => driver?.statusFlags ?? ServerStatus.AUTOCOMMIT,
    server: {
      version: info.version,
      flavor: info.flavor,
      threadId: info.connectionId,
      capabilities: info.capabilities,
      mariadbCapabilities: info.mariadbCapabilities,
      scramble: info.greeting.scramble,
      tls: info.tls,
      authPlugin: info.authPlugin,
    },
  });
  const plan = await ps.onConnect();
  if (plan._tag !== "Connect") throw new Error("connectServer answered without a backend");
  const opened: number[] = [];
  let firstUsed = false;
  driver = new PipelineDriver(ps, async (index) => {
    opened.push(index);
    if (!firstUsed && (index === plan.backendIndex || index === -1)) {
      firstUsed = true;
      return first.link;
    }
    return (await openConnection(env)).link;
  }, info.capabilities);
  driver.statusFlags = info.statusFlags;
  const destroy = driver.destroy.bind(driver);
  driver.destroy = (reason?: string) => {
    destroy(reason);
    if (!firstUsed) first.link.close();
  };
  return Object.assign(driver, { info, opened });
}
