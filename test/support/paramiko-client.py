"""One paramiko SFTP action, as a partner's Python script does it.

Usage: paramiko-client.py PORT USER KEY_FILE HOST_KEY ACTION ARG...
HOST_KEY is the server's public key line; the connection is refused unless the server shows it.
Actions: put LOCAL REMOTE, slow-put LOCAL REMOTE, resume LOCAL REMOTE, list FOLDER,
get REMOTE LOCAL, rename FROM TO, remove REMOTE. A failure exits 1 with paramiko's message.
"""
import base64
import sys
import time

import paramiko

CHUNK = 32768


def connect(port, user, key_file, host_key):
    kind, blob = host_key.split()[:2]
    if kind != "ssh-ed25519":
        raise ValueError(f"unexpected host key type {kind}")
    pinned = paramiko.Ed25519Key(data=base64.b64decode(blob))
    transport = paramiko.Transport(("127.0.0.1", port))
    # connect() refuses a server whose host key is not the pinned one.
    transport.connect(hostkey=pinned, username=user, pkey=paramiko.Ed25519Key.from_private_key_file(key_file))
    return transport, paramiko.SFTPClient.from_transport(transport)


def resume(sftp, local, remote):
    """Continues a partial upload: its size, then the rest written from there (mode r+, no TRUNC)."""
    offset = sftp.stat(remote).st_size
    with open(local, "rb") as source, sftp.open(remote, "r+") as target:
        source.seek(offset)
        target.seek(offset)
        target.set_pipelined(True)
        while chunk := source.read(CHUNK):
            target.write(chunk)
    sftp.stat(remote)


def act(sftp, action, args):
    if action == "put":
        sftp.put(args[0], args[1], confirm=True)
    elif action == "slow-put":
        # A pause per 32 KiB chunk: about 1 MB/s, slow enough to be killed half-way.
        sftp.put(args[0], args[1], callback=lambda done, total: time.sleep(0.03))
    elif action == "resume":
        resume(sftp, args[0], args[1])
    elif action == "list":
        for name in sftp.listdir(args[0]):
            print(name)
    elif action == "get":
        sftp.get(args[0], args[1])
    elif action == "rename":
        sftp.rename(args[0], args[1])
    elif action == "remove":
        sftp.remove(args[0])
    else:
        raise ValueError(f"unknown action {action}")


def main():
    port, user, key_file, host_key, action, *args = sys.argv[1:]
    transport, sftp = connect(int(port), user, key_file, host_key)
    try:
        act(sftp, action, args)
    except (IOError, OSError) as err:
        print(f"{action}: {err}", file=sys.stderr)
        sys.exit(1)
    finally:
        sftp.close()
        transport.close()


if __name__ == "__main__":
    main()
