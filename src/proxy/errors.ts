/**
 * The ERR packets the proxy itself sends its clients, with the numbers, SQL states and message
 * formats a MariaDB/MySQL server uses for the same situations, so clients and their users recognise
 * them (1045 access denied, 1043 bad handshake, 1153 packet too large, 2003 backend unreachable ...).
 */
import { encodeErr, type ErrPacket } from "../protocol/results.ts";

/** ER_ACCESS_DENIED_ERROR, worded as the server words it (and why, when the proxy knows more). */
export function accessDenied(user: string, host: string, usingPassword: boolean, why?: string): ErrPacket {
  return {
    errno: 1045,
    sqlState: "28000",
    message: `Access denied for user '${user}'@'${host}' (using password: ${usingPassword ? "YES" : "NO"})${
      why === undefined ? "" : `: ${why}`
    }`,
  };
}

/** ER_HANDSHAKE_ERROR: the client's first packets are not a handshake. */
export function badHandshake(detail: string): ErrPacket {
  return { errno: 1043, sqlState: "08S01", message: `Bad handshake (${detail})` };
}

/** ER_NET_PACKET_TOO_LARGE. */
export function packetTooLarge(): ErrPacket {
  return { errno: 1153, sqlState: "08S01", message: "Got a packet bigger than 'max_allowed_packet' bytes" };
}

/** ER_NET_PACKETS_OUT_OF_ORDER. */
export function packetsOutOfOrder(): ErrPacket {
  return { errno: 1156, sqlState: "08S01", message: "Got packets out of order" };
}

/** ER_UNKNOWN_COM_ERROR. */
export function unknownCommand(): ErrPacket {
  return { errno: 1047, sqlState: "08S01", message: "Unknown command" };
}

/** The backend could not be reached or refused the proxy (CR_CONN_HOST_ERROR's number). */
export function backendUnavailable(address: string, detail: string): ErrPacket {
  return {
    errno: 2003,
    sqlState: "HY000",
    message: `mywire proxy: cannot connect to backend ${address}: ${detail}`,
  };
}

/** The backend connection broke while a command ran (CR_SERVER_LOST's number). */
export function backendLost(address: string, detail: string): ErrPacket {
  return {
    errno: 2013,
    sqlState: "HY000",
    message: `mywire proxy: lost the connection to backend ${address}: ${detail}`,
  };
}

/** No backend connection free and the wait queue full or timed out (ER_CON_COUNT_ERROR's number). */
export function poolFull(detail: string): ErrPacket {
  return { errno: 1040, sqlState: "08004", message: `mywire proxy: too many connections: ${detail}` };
}

/** ER_UNKNOWN_ERROR for a failure inside the proxy (a plugin's, say). */
export function proxyFailure(detail: string): ErrPacket {
  return { errno: 1105, sqlState: "HY000", message: `mywire proxy: ${detail}` };
}

/** The payload of an ERR packet. */
export function errPayload(err: ErrPacket): Uint8Array {
  return encodeErr(err);
}
