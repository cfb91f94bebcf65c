"""An independent Modbus device for Outpost's tests, built on pymodbus (pinned to 3.16.1).

Serves the values of a JSON spec, each encoded by pymodbus itself
(`convert_to_registers`, big or little word order); the byte-swapped orders
(BADC, DCBA) swap the two bytes of each register pymodbus produced. The same
registers are served as holding and input registers of unit 1, and `bits` as
coils and discrete inputs.

A spec may instead hold `{"units": {"1": SPEC, "2": SPEC, ...}}`: several
devices with their own values behind one port, as on an RS-485 bus.

    python pymodbus_peer.py SPEC.json [--rtu DEVICE]

Prints 'listening tcp://127.0.0.1:PORT' (or 'listening rtu://DEVICE') when ready.
"""
import asyncio
import json
import socket
import sys

from pymodbus import FramerType
from pymodbus.client import ModbusTcpClient
from pymodbus.datastore import ModbusDeviceContext, ModbusSequentialDataBlock, ModbusServerContext
from pymodbus.server import ModbusSerialServer, ModbusTcpServer

TYPES = {
    "int16": ModbusTcpClient.DATATYPE.INT16, "uint16": ModbusTcpClient.DATATYPE.UINT16,
    "int32": ModbusTcpClient.DATATYPE.INT32, "uint32": ModbusTcpClient.DATATYPE.UINT32,
    "int64": ModbusTcpClient.DATATYPE.INT64, "uint64": ModbusTcpClient.DATATYPE.UINT64,
    "float32": ModbusTcpClient.DATATYPE.FLOAT32, "float64": ModbusTcpClient.DATATYPE.FLOAT64,
}


def registers(point):
    word_order = "little" if point["order"] in ("CDAB", "DCBA") else "big"
    words = ModbusTcpClient.convert_to_registers(point["value"], TYPES[point["type"]], word_order=word_order)
    if point["order"] in ("BADC", "DCBA"):
        words = [((w & 0xFF) << 8) | (w >> 8) for w in words]
    return words


def device_context(spec):
    size = 1 + max([p["address"] + 4 for p in spec["points"]] + [len(spec.get("bits", [])) + 1, 16])
    words = [0] * size
    for point in spec["points"]:
        for offset, word in enumerate(registers(point)):
            words[point["address"] + offset] = word
    bits = [bool(b) for b in spec.get("bits", [])] + [False] * size
    # pymodbus 3.16: protocol address N is data block index N+1, so blocks start at 1.
    device = ModbusDeviceContext(
        hr=ModbusSequentialDataBlock(1, words), ir=ModbusSequentialDataBlock(1, words),
        co=ModbusSequentialDataBlock(1, bits[:size]), di=ModbusSequentialDataBlock(1, bits[:size]))
    return device


def context(spec):
    units = spec.get("units", {"1": spec})
    return ModbusServerContext(devices={int(u): device_context(s) for u, s in units.items()}, single=False)


async def main():
    spec = json.load(open(sys.argv[1]))
    server_context = context(spec)
    if "--rtu" in sys.argv:
        device = sys.argv[sys.argv.index("--rtu") + 1]
        # On a real bus a unit that is not there stays silent; pymodbus answers for it unless told.
        server = ModbusSerialServer(
            server_context, framer=FramerType.RTU, port=device, baudrate=9600, ignore_missing_devices=True)
        url = f"rtu://{device}"
    else:
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        server = ModbusTcpServer(server_context, address=("127.0.0.1", port))
        url = f"tcp://127.0.0.1:{port}"
    # Returns once the port is open (listening socket bound, or serial device opened).
    await server.serve_forever(background=True)
    print(f"listening {url}", flush=True)
    await server.serving


asyncio.run(main())
