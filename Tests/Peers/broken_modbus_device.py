#!/usr/bin/env python3
"""A Modbus TCP device that answers every read wrongly, the way a faulty gateway or a device
with a firmware bug does. The mode (argv[1]) picks the fault:
  short     the byte count says N registers, fewer bytes follow
  count     a well-formed response with fewer registers than asked
  function  the response names another function code
  txid      the response carries another transaction id
  garbage   bytes that answer nothing (another transaction, protocol, unit and function)
Prints `listening tcp://127.0.0.1:PORT` once it accepts connections; serves until killed."""
import socket
import struct
import sys
import threading

mode = sys.argv[1]


def answer(request: bytes) -> bytes:
    txid, _protocol, _length, unit, function = struct.unpack(">HHHBB", request[:8])
    count = struct.unpack(">H", request[10:12])[0]
    registers = b"".join(struct.pack(">H", 1000 + index) for index in range(count))
    if mode == "short":
        pdu = bytes([function, 2 * count]) + registers[:-2]
    elif mode == "count":
        pdu = bytes([function, 2 * (count - 1)]) + registers[:-2] if count > 1 else bytes([function, 0])
    elif mode == "function":
        pdu = bytes([function ^ 0x01, 2 * count]) + registers
    elif mode == "txid":
        txid ^= 0x5555
        pdu = bytes([function, 2 * count]) + registers
    else:
        # Bytes that are no answer to anything, of a consistent length (so the client reads them
        # whole rather than waiting): another transaction, protocol and unit, a made-up function.
        return bytes.fromhex("deadbeef0003421337")
    return struct.pack(">HHHB", txid, 0, len(pdu) + 1, unit) + pdu


def serve(connection: socket.socket) -> None:
    with connection:
        while True:
            request = connection.recv(260)
            if len(request) < 12:
                return
            connection.sendall(answer(request))


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(8)
print(f"listening tcp://127.0.0.1:{listener.getsockname()[1]}", flush=True)
while True:
    client, _ = listener.accept()
    threading.Thread(target=serve, args=(client,), daemon=True).start()
