"""A broker that speaks only MQTT 3.1.1, for the agent's protocol fallback test.

Answers a CONNECT of protocol level 5 as a 3.1.1 broker does (CONNACK return code 1,
unacceptable protocol version, then close) and accepts level 4. Prints 'listening PORT' when
ready and 'connect level N' for every CONNECT.
"""
import socket
import threading


def handle(connection):
    data = connection.recv(4096)
    # Fixed header (1 byte), remaining length (1 byte for a short CONNECT), protocol name (2 + 4).
    level = data[8] if len(data) > 8 else 0
    print(f"connect level {level}", flush=True)
    if level != 4:
        connection.sendall(bytes([0x20, 2, 0, 1]))
        connection.close()
        return
    connection.sendall(bytes([0x20, 2, 0, 0]))
    while True:
        packet = connection.recv(4096)
        if not packet:
            return
        if packet[0] & 0xF0 == 0xC0:  # PINGREQ -> PINGRESP
            connection.sendall(bytes([0xD0, 0]))
        if packet[0] & 0xF0 == 0x80:  # SUBSCRIBE -> SUBACK granting QoS 1
            connection.sendall(bytes([0x90, 3, packet[2], packet[3], 1]))


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 0))
server.listen(5)
print(f"listening {server.getsockname()[1]}", flush=True)
while True:
    client, _ = server.accept()
    threading.Thread(target=handle, args=(client,), daemon=True).start()
