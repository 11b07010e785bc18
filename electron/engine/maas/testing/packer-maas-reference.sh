#!/bin/bash
# The packer-maas artifact pipeline, re-created from its description (docs: shared reference notes on
# packer-maas, sections 2.3 fuse-nbd and 2.4 fuse-tar-root) to compare Kiln's tarballs with, entry by
# entry, and to time it in the benchmark. Not a copy of packer-maas's scripts.
#
# Usage: packer-maas-reference.sh IMAGE FORMAT ROOT_PARTITION OUTPUT.tar.gz [CURTIN_DIR] [GZIP_LEVEL]
# IMAGE is modified (as packer-maas modifies its output disk): pass a copy.
# Prints "tar_seconds=<s> gzip_seconds=<s>" on the last line.
set -euo pipefail
IMAGE=$1 IMG_FMT=$2 ROOT_PARTITION=$3 OUTPUT=$4 CURTIN_HOOKS=${5:-} LEVEL=${6:-best}

TMP_DIR=$(mktemp -d /tmp/packer-maas-XXXX) # short: UNIX socket paths are limited to 108 bytes
NBD_PID=
cleanup() {
  set +e
  # fuse2fs first (it flushes on unmount), then the nbdfuse devices, then qemu-nbd
  for mp in "$TMP_DIR"/root "$TMP_DIR"/p*; do
    [ -d "$mp" ] || continue
    for _ in $(seq 50); do fusermount -u "$mp" 2>/dev/null && break; sleep 0.1; done
    mountpoint -q "$mp" && fusermount -u -z "$mp"
  done
  for pid in $(jobs -p); do [ "$pid" != "$NBD_PID" ] && wait "$pid" 2>/dev/null; done
  [ -n "$NBD_PID" ] && kill "$NBD_PID" 2>/dev/null && wait "$NBD_PID" 2>/dev/null
  rm -rf "$TMP_DIR"
}
trap cleanup EXIT

qemu-nbd --socket="$TMP_DIR/qemu-img.sock" --format="$IMG_FMT" --shared=10 "$IMAGE" &
NBD_PID=$!
for _ in $(seq 100); do [ -S "$TMP_DIR/qemu-img.sock" ] && break; sleep 0.1; done

mount_part() {
  local part=$1 mountpoint=$2 dev="$TMP_DIR/p$1"
  mkdir -p "$dev" "$mountpoint"
  nbdfuse "$dev" --command nbdkit -s nbd socket="$TMP_DIR/qemu-img.sock" --filter=partition partition="$part" &
  for _ in $(seq 100); do [ -f "$dev/nbd" ] && break; sleep 0.1; done
  [ -f "$dev/nbd" ] || { echo "partition $part did not appear" >&2; return 1; }
  fuse2fs "$dev/nbd" "$mountpoint" -o fakeroot
}

ROOT="$TMP_DIR/root"
mount_part "$ROOT_PARTITION" "$ROOT"
if [ -f "$ROOT/etc/machine-id" ]; then : >|"$ROOT/etc/machine-id"; fi
rm -f "$ROOT"/var/log/cloud-init*.log "$ROOT/var/lib/cloud/instance"
rm -rf "$ROOT/var/lib/cloud/instances"
if [ -n "$CURTIN_HOOKS" ]; then cp -r "$CURTIN_HOOKS" "$ROOT/curtin"; fi

TARFILE="${OUTPUT%.gz}"
start=$(date +%s.%N)
tar -Scpf "$TARFILE" --acls --selinux --xattrs --one-file-system --exclude-backups -C "$ROOT" .
middle=$(date +%s.%N)
gzip_cmd=gzip
command -v pigz >/dev/null && gzip_cmd=pigz
level_flag=--best
[[ $LEVEL =~ ^[1-9]$ ]] && level_flag=-$LEVEL
"$gzip_cmd" "$level_flag" --force "$TARFILE"
end=$(date +%s.%N)
[ "$TARFILE.gz" = "$OUTPUT" ] || mv "$TARFILE.gz" "$OUTPUT"
awk -v a="$start" -v b="$middle" -v c="$end" 'BEGIN { printf "tar_seconds=%.2f gzip_seconds=%.2f\n", b - a, c - b }'
