#!/usr/bin/env bash
# Builds Kiln's test guests from Debian packages, without root privileges or loop mounts:
#   disk.qcow2  a cloud-image-like disk: GPT with a BIOS boot partition (14), an EFI system partition
#               (15, systemd-boot) and an ext4 root (1, label cloudimg-rootfs), booted by OVMF;
#   live.iso    a UEFI boot ISO whose systemd-boot menu must be edited (boot_command) to reach SSH.
# Usage: build-guest.sh OUT_DIR WORK_DIR DEB_CACHE_DIR
# Packages come through apt's own configuration (its sources and mirror), resolved against an empty
# package status so the result does not depend on what the host has installed.
set -euo pipefail

recipe=$(cd "$(dirname "$0")" && pwd)
out=$1
work=$2
debs=$3
mkdir -p "$out" "$work" "$debs"
work=$(cd "$work" && pwd)
debs=$(cd "$debs" && pwd)
export LC_ALL=C SOURCE_DATE_EPOCH=1700000000

step() { echo "guest: $*" >&2; }
need() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null || {
      echo "guest: '$tool' is missing; install it (see .ci/run)" >&2
      exit 1
    }
  done
}
need apt-get dpkg-deb sgdisk mkfs.vfat mmd mcopy mkfs.ext4 debugfs xorriso cpio zstd qemu-img python3 find
PATH=$PATH:/usr/sbin:/sbin

# --- 1. Resolve and download the packages ------------------------------------------------------
: >"$work/status"
apt_opts=(-o "Dir::State::status=$work/status" -o Debug::NoLocking=1 -o "APT::Sandbox::User=$(id -un)")
keep() {
  local name=$1 w
  for w in $2; do [ "$name" = "$w" ] && return 0; done
  case "$name" in
    *-perl | libperl*) return 1 ;;
    lib* | zlib* | linux-image-[0-9]* | python3.*-minimal) return 0 ;;
  esac
  return 1
}
# resolve LIST OUT [all]: the packages apt would install for LIST, as "name version" lines. Without
# `all`, only the named packages and the libraries they pull in are kept.
resolve() {
  local list=$1 out=$2 mode=${3:-} wanted name version
  wanted=$(grep -v '^\s*#' "$list" | awk 'NF { print $1 }')
  apt-get -s "${apt_opts[@]}" install --no-install-recommends $wanted >"$out.plan"
  : >"$out"
  while read -r _ name version _; do
    version=${version#(}
    if [ "$mode" = all ] || keep "$name" "$wanted"; then echo "$name $version" >>"$out"; fi
  done < <(grep '^Inst ' "$out.plan")
  [ -s "$out" ] || {
    echo "guest: apt resolved no packages for $(basename "$list") (is 'apt-get update' needed?)" >&2
    exit 1
  }
}
# fetch LOCK: downloads what the package cache lacks; prints the .deb paths.
fetch() {
  local missing=() name version file
  while read -r name version; do
    compgen -G "$debs/${name}_${version//:/%3a}_*.deb" >/dev/null || missing+=("$name=$version")
  done <"$1"
  if [ ${#missing[@]} -gt 0 ]; then
    step "downloading ${#missing[@]} packages"
    (cd "$debs" && apt-get "${apt_opts[@]}" -qq download "${missing[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2) || true
  fi
  while read -r name version; do
    file=$(compgen -G "$debs/${name}_${version//:/%3a}_*.deb" | head -1) || true
    [ -n "$file" ] || {
      echo "guest: $name $version was not downloaded" >&2
      exit 1
    }
    echo "$file"
  done <"$1"
}
step "resolving packages with apt"
resolve "$recipe/packages.txt" "$work/packages.lock"
resolve "$recipe/boot-packages.txt" "$work/boot-packages.lock" all
fetch "$work/packages.lock" >"$work/packages.files"
fetch "$work/boot-packages.lock" >"$work/boot-packages.files"
mapfile -t files <"$work/packages.files"
mapfile -t boot_files <"$work/boot-packages.files"

# --- 2. Unpack into a merged-/usr tree ---------------------------------------------------------
root=$work/root
rm -rf "$root"
mkdir -p "$root"
step "unpacking ${#files[@]} packages"
for f in "${files[@]}"; do dpkg-deb -x "$f" "$root"; done
chmod -R u+w "$root"
merge() { # /bin, /sbin, /lib, /lib64 into /usr, as Debian 12 and Ubuntu images have them
  local dir=$1
  [ -L "$root/$dir" ] && return
  mkdir -p "$root/usr/$dir"
  if [ -d "$root/$dir" ]; then
    cp -a "$root/$dir/." "$root/usr/$dir/"
    rm -rf "${root:?}/$dir"
  fi
  ln -s "usr/$dir" "$root/$dir"
}
for d in bin sbin lib lib64; do merge "$d"; done
rm -rf "$root"/usr/share/{doc,man,info,locale,lintian,bug,bash-completion,gdb} "$root"/usr/share/python3/debian_defaults.d

kversion=$(basename "$(compgen -G "$root/usr/lib/modules/*" | head -1)")
[ -n "$kversion" ] || {
  echo "guest: no kernel in the package set" >&2
  exit 1
}
step "kernel $kversion"

# Kernel modules: the listed ones and their dependencies (modules.dep written by busybox's depmod).
busybox=$root/usr/bin/busybox
moddir=$root/usr/lib/modules/$kversion
"$busybox" depmod -b "$root" "$kversion"
python3 - "$moddir" "$recipe/modules.txt" <<'PY'
import os, sys
moddir, listfile = sys.argv[1], sys.argv[2]
norm = lambda s: s.replace('-', '_')
deps = {}
for line in open(os.path.join(moddir, 'modules.dep')):
    path, _, rest = line.partition(':')
    deps[path] = rest.split()
by_name = {norm(os.path.basename(p)[:-3]): p for p in deps}
wanted = [norm(l.split('#')[0].strip()) for l in open(listfile) if l.split('#')[0].strip()]
missing = [w for w in wanted if w not in by_name]
if missing:
    sys.exit('guest: kernel modules not found: ' + ', '.join(missing))
keep = set()
def add(path):
    if path not in keep:
        keep.add(path)
        for d in deps[path]:
            add(d)
for w in wanted:
    add(by_name[w])
for dirpath, _, names in os.walk(os.path.join(moddir, 'kernel')):
    for n in names:
        rel = os.path.relpath(os.path.join(dirpath, n), moddir)
        if rel not in keep:
            os.unlink(os.path.join(dirpath, n))
PY
find "$moddir/kernel" -type d -empty -delete
rm -f "$moddir"/modules.*
"$busybox" depmod -b "$root" "$kversion"
mkdir -p "$root/etc/kiln-guest"

# busybox provides every command no package brought (sh, init, getty, ip, udhcpc, mount, ...).
while read -r applet; do
  target=$root/usr/${applet#usr/}
  [ -e "$target" ] || [ -L "$target" ] || ln -s /usr/bin/busybox "$target"
done < <("$busybox" --list-full)

# --- 3. The guest's own files ------------------------------------------------------------------
step "configuring the root file system"
# The guest's own files replace busybox's links of the same name (never write through a link).
(cd "$recipe/rootfs" && find . -type f) | while read -r f; do
  if [ -L "$root/$f" ]; then rm -f "$root/$f"; fi
done
cp -a "$recipe/rootfs/." "$root/"
ln -f "$root/usr/sbin/poweroff" "$root/usr/sbin/reboot"
ln -f "$root/usr/sbin/poweroff" "$root/usr/sbin/halt"
chmod 755 "$root/usr/lib/kiln-guest/cloud-init" "$root/etc/init.d/rcS" "$root/etc/init.d/rcK" "$root/usr/sbin/shutdown" "$root/usr/sbin/poweroff"
ln -s python3.11 "$root/usr/bin/python3" 2>/dev/null || true
# One program, three names (hard links, as images have them): cloud-init and cloud-id.
ln -f "$root/usr/lib/kiln-guest/cloud-init" "$root/usr/bin/cloud-init"
ln -f "$root/usr/lib/kiln-guest/cloud-init" "$root/usr/bin/cloud-id"
mkdir -p "$root"/{boot/efi,dev,proc,sys,run,tmp,mnt,media,srv,opt,home,root,var/tmp,var/log,var/mail,var/local,var/cache,var/spool,var/lib/dbus,var/lib/cloud/scripts/per-boot,var/lib/cloud/scripts/per-instance,var/lib/cloud/scripts/per-once,var/lib/cloud/seed,var/log/journal,etc/sudoers.d,etc/skel}
ln -sfn /etc/machine-id "$root/var/lib/dbus/machine-id"
ln -sfn /run "$root/var/run"
ln -sfn /run/lock "$root/var/lock"
cp "$root/etc/skel/.bashrc" "$root/root/.bashrc" 2>/dev/null || true
cp "$root/etc/skel/.profile" "$root/root/.profile" 2>/dev/null || true
chmod 700 "$root/root"
chmod 1777 "$root/tmp" "$root/var/tmp"
chmod 2775 "$root/var/mail" "$root/var/local"
chmod 640 "$root/etc/shadow" "$root/etc/gshadow"
chmod 4755 "$root/usr/bin/sudo"
# /var/log/lastlog is sparse on real systems: a record per uid, mostly holes.
truncate -s $((292 * 1001)) "$root/var/log/lastlog"
printf 'kiln-guest' | dd of="$root/var/log/lastlog" bs=1 seek=$((292 * 1000 + 8)) conv=notrunc status=none
: >"$root/var/log/wtmp"
: >"$root/var/log/btmp"
python3 "$recipe/check-libs.py" "$root"
# Byte-compile Python's library as Debian's postinst would, or every boot of a fresh overlay compiles
# it again under the emulator. Only possible when the host's Python is the guest's version.
guest_python=$(basename "$(compgen -G "$root/usr/lib/python3.[0-9]*" | head -1)")
if [ "$(python3 -c 'import sys; print("python%d.%d" % sys.version_info[:2])')" = "$guest_python" ]; then
  python3 -m compileall -q -j0 --invalidation-mode unchecked-hash \
    -s "$root" -p / "$root/usr/lib/$guest_python" "$root/usr/lib/python3" "$root/usr/lib/kiln-guest" >/dev/null || true
else
  step "host Python is not $guest_python: the guest compiles its Python modules on first use"
fi
cp "$root/boot/vmlinuz-$kversion" "$work/vmlinuz"
cat >"$root/etc/kiln-guest/build-info" <<EOF
KERNEL=$kversion
RECIPE=$(basename "$out" .tmp)
EOF

# --- 4. The initramfs (small: busybox, /init and the modules) -----------------------------------
step "initramfs"
initrd=$work/initramfs
rm -rf "$initrd"
mkdir -p "$initrd"/{usr/bin,dev,proc,sys,root,etc/kiln-guest,usr/lib/modules}
for d in bin sbin lib; do ln -s "usr/$d" "$initrd/$d"; done
ln -s bin "$initrd/usr/sbin"
cp "$busybox" "$initrd/usr/bin/busybox"
for applet in sh mount umount modprobe insmod findfs switch_root sleep cat ls; do
  ln -s busybox "$initrd/usr/bin/$applet"
done
cp -a "$moddir" "$initrd/usr/lib/modules/"
install -m 755 "$recipe/initramfs/init" "$initrd/init"
(cd "$initrd" && find . -mindepth 1 | sort | cpio -o -H newc -R 0:0 --quiet) | zstd -q -3 >"$work/initrd.img"

# --- 5. The root file system (ext4 from the tree; owners, xattrs and ACLs set with debugfs) ------
step "root file system"
sector=512
disk_bytes=$((2 * 1024 * 1024 * 1024))
raw=$work/disk.raw
rm -f "$raw"
truncate -s "$disk_bytes" "$raw"
# Ubuntu cloud image layout: 14 BIOS boot, 15 ESP (FAT, label UEFI), 1 root (ext4, cloudimg-rootfs).
sgdisk -o \
  -n 14:2048:10239 -t 14:ef02 \
  -n 15:10240:227327 -t 15:ef00 \
  -n 1:227328:0 -t 1:8300 \
  "$raw" >/dev/null 2>&1
root_start=227328
root_end=$(sgdisk -i 1 "$raw" | awk '/^Last sector/ { print $3 }')
root_bytes=$(((root_end - root_start + 1) * sector))
rootimg=$work/root.ext4
rm -f "$rootimg"
mkfs.ext4 -q -F -L cloudimg-rootfs -U 2b6c7e3a-6f4e-4b8e-9a53-7c0d1e5f9a11 -E root_owner=0:0 \
  -d "$root" "$rootimg" $((root_bytes / 1024))k
python3 "$recipe/ownership.py" "$root" "$work/debugfs.cmds"
debugfs -w -f "$work/debugfs.cmds" "$rootimg" >"$work/debugfs.log" 2>&1
# debugfs echoes each command as `debugfs: ...`; anything else it printed is a complaint.
if grep -v '^debugfs' "$work/debugfs.log" | grep -q .; then
  echo "guest: debugfs reported errors:" >&2
  grep -v '^debugfs' "$work/debugfs.log" >&2
  exit 1
fi
e2fsck -fn "$rootimg" >"$work/e2fsck.log" 2>&1 || {
  cat "$work/e2fsck.log" >&2
  exit 1
}

# --- 6. The EFI system partition: systemd-boot, the kernel and the initramfs -------------------
step "EFI system partition"
sdboot=$(compgen -G "/usr/lib/systemd/boot/efi/systemd-bootx64.efi" || true)
[ -n "$sdboot" ] || {
  echo "guest: systemd-bootx64.efi is missing (package systemd-boot-efi)" >&2
  exit 1
}
esp=$work/esp.img
rm -f "$esp"
mkfs.vfat -C -F 32 -n UEFI -i 4b494c4e "$esp" $(((227327 - 10240 + 1) * sector / 1024)) >/dev/null
export MTOOLS_SKIP_CHECK=1
mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/EFI/systemd ::/loader ::/loader/entries ::/kiln
mcopy -i "$esp" "$sdboot" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$esp" "$sdboot" ::/EFI/systemd/systemd-bootx64.efi
mcopy -i "$esp" "$work/vmlinuz" ::/kiln/linux
mcopy -i "$esp" "$work/initrd.img" ::/kiln/initrd.img
printf 'default kiln.conf\ntimeout 0\nconsole-mode keep\neditor no\nauto-entries no\nauto-firmware no\n' >"$work/loader.conf"
printf 'title   Kiln test guest (Debian %s)\nlinux   /kiln/linux\ninitrd  /kiln/initrd.img\noptions root=LABEL=cloudimg-rootfs rw console=ttyS0,115200 quiet cryptomgr.notests\n' "$kversion" >"$work/kiln.conf"
mcopy -i "$esp" "$work/loader.conf" ::/loader/loader.conf
mcopy -i "$esp" "$work/kiln.conf" ::/loader/entries/kiln.conf

# --- 7. The disk --------------------------------------------------------------------------------
step "disk image"
dd if="$esp" of="$raw" bs=1M seek=$((10240 * sector / 1048576)) conv=notrunc,sparse status=none
dd if="$rootimg" of="$raw" bs=1M seek=$((root_start * sector / 1048576)) conv=notrunc,sparse status=none
rm -f "$out/disk.qcow2.tmp"
qemu-img convert -q -c -f raw -O qcow2 "$raw" "$out/disk.qcow2.tmp"
mv "$out/disk.qcow2.tmp" "$out/disk.qcow2"

# --- 8. The live ISO ---------------------------------------------------------------------------
# The same kernel and small initramfs as the disk; the root file system is a compact ext4 image on
# the ISO, mounted read-only under a tmpfs overlay (so boot loaders read only ~11 MB through the
# firmware). BIOS (SeaBIOS) boots ISOLINUX, UEFI (OVMF) boots systemd-boot. Either way the default
# entry starts a system with no datasource, so SSH stays shut until boot_command asks for the `live`
# entry at the `boot:` prompt, or edits the menu entry (`e`), adding the NoCloud seed URL.
step "live ISO"
isodir=$work/iso
rm -rf "$isodir"
mkdir -p "$isodir/isolinux" "$isodir/kiln"
liveroot=$isodir/kiln/root.ext4
live_mb=$(($(du -sm --exclude=./boot "$root" | cut -f1) * 5 / 4 + 32))
mkfs.ext4 -q -F -L kiln-live-root -E root_owner=0:0 -d "$root" "$liveroot" "${live_mb}M"
debugfs -w -f "$work/debugfs.cmds" "$liveroot" >"$work/debugfs-live.log" 2>&1
if grep -v '^debugfs' "$work/debugfs-live.log" | grep -q .; then
  echo "guest: debugfs reported errors on the live root:" >&2
  grep -v '^debugfs' "$work/debugfs-live.log" >&2
  exit 1
fi
bootpkgs=$work/bootpkgs
rm -rf "$bootpkgs"
mkdir -p "$bootpkgs"
for f in "${boot_files[@]}"; do dpkg-deb -x "$f" "$bootpkgs"; done
cp "$bootpkgs/usr/lib/ISOLINUX/isolinux.bin" "$bootpkgs/usr/lib/syslinux/modules/bios/ldlinux.c32" "$isodir/isolinux/"
cp "$work/vmlinuz" "$isodir/kiln/linux"
cp "$work/initrd.img" "$isodir/kiln/initrd.img"
live_options="kiln.live console=ttyS0,115200 quiet cryptomgr.notests"
{
  echo "SERIAL 0 115200"
  echo "PROMPT 1"
  echo "TIMEOUT 0"
  echo "DEFAULT nodatasource"
  echo "SAY Kiln live system. The default entry has no datasource; to boot with a NoCloud seed, type:"
  echo "SAY   live ds=nocloud-net;s=http://<host>:<port>/"
  for label in nodatasource live; do
    echo "LABEL $label"
    echo "  KERNEL /kiln/linux"
    echo "  INITRD /kiln/initrd.img"
    echo "  APPEND $live_options"
  done
} >"$isodir/isolinux/isolinux.cfg"
efiboot=$isodir/efiboot.img
size_kb=$((($(stat -c %s "$work/vmlinuz") + $(stat -c %s "$work/initrd.img")) / 1024 + 2048))
mkfs.vfat -C -n KILNLIVE "$efiboot" "$size_kb" >/dev/null
mmd -i "$efiboot" ::/EFI ::/EFI/BOOT ::/loader ::/loader/entries ::/kiln
mcopy -i "$efiboot" "$sdboot" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$efiboot" "$work/vmlinuz" ::/kiln/linux
mcopy -i "$efiboot" "$work/initrd.img" ::/kiln/initrd.img
printf 'default live.conf\ntimeout menu-force\nconsole-mode keep\neditor yes\nauto-entries no\nauto-firmware no\n' >"$work/live-loader.conf"
printf 'title   Kiln live system (no datasource)\nlinux   /kiln/linux\ninitrd  /kiln/initrd.img\noptions %s\n' "$live_options" >"$work/live.conf"
mcopy -i "$efiboot" "$work/live-loader.conf" ::/loader/loader.conf
mcopy -i "$efiboot" "$work/live.conf" ::/loader/entries/live.conf
rm -f "$out/live.iso.tmp"
xorriso -as mkisofs -quiet -R -J -V KILN_LIVE \
  -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
  -eltorito-alt-boot -e efiboot.img -no-emul-boot \
  -o "$out/live.iso.tmp" "$isodir" 2>/dev/null
mv "$out/live.iso.tmp" "$out/live.iso"

cat >"$out/manifest.json" <<EOF
{
  "kernel": "$kversion",
  "disk": "disk.qcow2",
  "diskVirtualSize": $disk_bytes,
  "rootPartition": 1,
  "rootLabel": "cloudimg-rootfs",
  "espPartition": 15,
  "liveIso": "live.iso",
  "packages": $(python3 -c 'import json,sys; print(json.dumps([l.split()[0] + "=" + l.split()[1] for l in open(sys.argv[1])]))' "$work/packages.lock")
}
EOF
step "done: $out"
