#!/usr/bin/env python3
"""Checks that every dynamically linked program and library in the guest's tree finds the shared
libraries it names (DT_NEEDED) in the tree's library directories, so a package that moved a library
fails the build here instead of at boot under an emulator.

Usage: check-libs.py ROOT_TREE
"""
import os
import struct
import sys

root = sys.argv[1]
LIB_DIRS = ["usr/lib/x86_64-linux-gnu", "usr/lib", "usr/lib64"]


def needed(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2:  # 64-bit ELF only
        return None
    e_shoff, = struct.unpack_from("<Q", data, 0x28)
    e_shentsize, e_shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, e_shoff + i * e_shentsize) for i in range(e_shnum)]
    names, paths = [], []
    for sh_name, sh_type, _, _, sh_offset, sh_size, sh_link, _, _, sh_entsize in sections:
        if sh_type != 6:  # SHT_DYNAMIC
            continue
        strtab = sections[sh_link]
        str_off = strtab[4]
        for i in range(sh_size // 16):
            tag, val = struct.unpack_from("<qQ", data, sh_offset + i * 16)
            if tag == 0:
                break
            if tag in (1, 15, 29):  # DT_NEEDED, DT_RPATH, DT_RUNPATH
                end = data.index(b"\0", str_off + val)
                text = data[str_off + val:end].decode()
                (names if tag == 1 else paths).append(text)
    return names, [p for entry in paths for p in entry.split(":") if p]


listing = {}


def files_in(directory):
    if directory not in listing:
        listing[directory] = set(os.listdir(directory)) if os.path.isdir(directory) else set()
    return listing[directory]


available = set()
for d in LIB_DIRS:
    available |= files_in(os.path.join(root, d))

problems = []
for dirpath, _, files in os.walk(os.path.join(root, "usr")):
    if "/lib/modules" in dirpath:
        continue
    for name in files:
        path = os.path.join(dirpath, name)
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        try:
            found = needed(path)
        except (OSError, struct.error, IndexError, ValueError):
            continue
        if found is None:
            continue
        libs, rpaths = found
        extra = set()
        for entry in rpaths:
            entry = entry.replace("$ORIGIN", "/" + os.path.relpath(dirpath, root)).replace("${ORIGIN}", "/" + os.path.relpath(dirpath, root))
            extra |= files_in(os.path.join(root, entry.lstrip("/")))
        for lib in libs:
            if lib not in available and lib not in extra and not lib.startswith("ld-linux"):
                problems.append(f"{os.path.relpath(path, root)} needs {lib}")
if problems:
    sys.exit("guest: missing shared libraries:\n  " + "\n  ".join(sorted(problems)))
