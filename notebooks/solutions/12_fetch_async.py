"""Notebook 12, exercise 3: fetch as a native coroutine, run by the tiny event loop."""

import socket

from helpers.exercises.nb12 import Trap, lab_address  # the notebook's Trap, and its (HOST, PORT)


async def read_all_async(sock):
    chunks = []
    while True:
        await Trap("read", sock)  # was: yield ("read", sock)
        chunk = sock.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


async def fetch_async(i):
    host, port = lab_address()
    with socket.socket() as sock:
        sock.setblocking(False)
        sock.connect_ex((host, port))
        await Trap("write", sock)
        if error := sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
            raise OSError(error, "connect() failed")
        sock.send(f"GET /get?{i} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
        response = await read_all_async(sock)  # was: yield from read_all(sock)
    return int(response.split(b"\r\n", 1)[0].split()[1])
