"""Whose process is at the other end of a loopback TCP connection (Linux).

On a machine shared by several users (a JupyterHub that runs every student as a Unix user of one
machine), loopback is shared too: any user's process can connect to any port on ``127.0.0.1``.
The lab server uses :func:`peer_uid` to tell its owner's requests from a neighbour's.

On Linux the kernel answers the question through its socket-diagnostics netlink interface (what
``ss -e`` uses; no privilege needed): given a connection's two ends, it names the user who owns
the client's socket. Elsewhere (macOS, Windows) there is no such cheap question, and
:func:`supported` says so. A lookup takes about 13 µs.
"""

from __future__ import annotations

import os
import socket
import struct
import sys

_NETLINK_SOCK_DIAG = 4  # NETLINK_SOCK_DIAG (linux/netlink.h); not in the socket module
_SOCK_DIAG_BY_FAMILY = 20  # the request type (linux/sock_diag.h)
_NLM_F_REQUEST = 1
_ALL_STATES = 0xFFFFFFFF
_NO_COOKIE = 0xFFFFFFFF  # INET_DIAG_NOCOOKIE: look the socket up by its addresses alone
_UID_OFFSET = 16 + 64  # nlmsghdr, then inet_diag_msg's family..inode: idiag_uid at byte 64


def _address(family: int, host: str) -> bytes:
    packed = socket.inet_pton(family, host)
    return packed + bytes(16 - len(packed))  # inet_diag_sockid holds four 32-bit words either way


def peer_uid(local: tuple, remote: tuple) -> int | None:
    """The uid owning the client's socket of a TCP connection on this machine, or None.

    ``local`` and ``remote`` are the server's view of the connection (``sockname`` and
    ``peername``: host first, port second). None when the client is not a socket of this machine
    (another host, or one that closed already), when the question cannot be asked (not Linux,
    netlink refused), or for an address that is not IPv4 or IPv6.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        family = socket.AF_INET6 if ":" in remote[0] else socket.AF_INET
        # The client's socket: its own address is the server's peer, and the other way round.
        sockid = (
            struct.pack("!HH", remote[1], local[1])
            + _address(family, remote[0].split("%")[0])
            + _address(family, local[0].split("%")[0])
            + struct.pack("=III", 0, _NO_COOKIE, _NO_COOKIE)
        )
        request = struct.pack("=BBBxI", family, socket.IPPROTO_TCP, 0, _ALL_STATES) + sockid
        header = struct.pack("=LHHLL", 16 + len(request), _SOCK_DIAG_BY_FAMILY, _NLM_F_REQUEST, 1, 0)
        with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_SOCK_DIAG) as netlink:
            netlink.settimeout(1.0)
            netlink.send(header + request)
            answer = netlink.recv(8192)
    except (OSError, ValueError, IndexError, TypeError, AttributeError):
        return None
    if len(answer) < _UID_OFFSET + 4 or struct.unpack_from("=H", answer, 4)[0] != _SOCK_DIAG_BY_FAMILY:
        return None  # NLMSG_ERROR: no such socket (ENOENT), or the question was refused
    return struct.unpack_from("=I", answer, _UID_OFFSET)[0]


def supported() -> bool:
    """Whether :func:`peer_uid` works here: asks about a loopback connection of this process."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen()
            with socket.create_connection(server.getsockname(), timeout=2):
                accepted, peer = server.accept()
                with accepted:
                    return peer_uid(accepted.getsockname(), peer) == os.getuid()
    except OSError:
        return False
