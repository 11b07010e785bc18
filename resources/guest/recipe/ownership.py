#!/usr/bin/env python3
"""Writes the debugfs commands that give the guest's root file system what an unprivileged build
cannot: root ownership (the tree was unpacked by whoever ran the build), the group owners a Debian
system has, a file capability, a user xattr and a POSIX ACL (the MAAS exporters must carry them).

Usage: ownership.py ROOT_TREE OUT_COMMANDS
"""
import os
import struct
import sys

root, out = sys.argv[1], sys.argv[2]
value_dir = os.path.join(os.path.dirname(out), "xattr-values")
os.makedirs(value_dir, exist_ok=True)

GROUPS = {"shadow": 42, "utmp": 43, "mail": 8, "staff": 50, "adm": 4}
# path → (uid, gid, mode or None)
SPECIAL = {
    "/etc/shadow": (0, GROUPS["shadow"], 0o640),
    "/etc/gshadow": (0, GROUPS["shadow"], 0o640),
    "/var/log/lastlog": (0, GROUPS["utmp"], 0o664),
    "/var/log/wtmp": (0, GROUPS["utmp"], 0o664),
    "/var/log/btmp": (0, GROUPS["utmp"], 0o660),
    "/var/mail": (0, GROUPS["mail"], 0o2775),
    "/var/local": (0, GROUPS["staff"], 0o2775),
    "/var/log/journal": (0, GROUPS["adm"], 0o2755),
}

commands = []


def quote(path):
    if any(c in path for c in ' "\\'):
        return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return path


for dirpath, dirnames, filenames in os.walk(root):
    for name in [""] + dirnames + filenames:
        full = os.path.join(dirpath, name) if name else dirpath
        rel = "/" + os.path.relpath(full, root) if full != root else "/"
        rel = rel.replace("/./", "/")
        st = os.lstat(full)
        uid, gid, mode = SPECIAL.get(rel, (0, 0, None))
        if st.st_uid != uid:
            commands.append(f"sif {quote(rel)} uid {uid}")
        if st.st_gid != gid:
            commands.append(f"sif {quote(rel)} gid {gid}")
        if mode is not None:
            file_type = st.st_mode & 0o170000
            commands.append(f"sif {quote(rel)} mode 0{file_type | mode:o}")


def value_file(name, data):
    path = os.path.join(value_dir, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


# ping keeps CAP_NET_RAW as a file capability (VFS_CAP_REVISION_2, effective).
cap = struct.pack("<IIIII", 0x02000001, 1 << 13, 0, 0, 0)
commands.append(f"ea_set -f {value_file('cap', cap)} /usr/bin/ping security.capability")
commands.append("ea_set /etc/kiln-guest/build-info user.kiln.origin kiln-guest-recipe")


def acl(entries):
    """POSIX ACL in the VFS xattr format (version 2); debugfs stores it in ext4's own format."""
    data = struct.pack("<I", 2)
    for tag, perm, ident in entries:
        data += struct.pack("<HHI", tag, perm, ident)
    return data


USER_OBJ, GROUP_OBJ, GROUP, MASK, OTHER = 0x01, 0x04, 0x08, 0x10, 0x20
UNDEFINED = 0xFFFFFFFF
journal_acl = acl([(USER_OBJ, 7, UNDEFINED), (GROUP_OBJ, 5, UNDEFINED), (GROUP, 5, GROUPS["adm"]), (MASK, 5, UNDEFINED), (OTHER, 5, UNDEFINED)])
commands.append(f"ea_set -f {value_file('acl', journal_acl)} /var/log/journal system.posix_acl_access")
commands.append(f"ea_set -f {value_file('acl', journal_acl)} /var/log/journal system.posix_acl_default")

with open(out, "w") as f:
    f.write("\n".join(commands) + "\n")
