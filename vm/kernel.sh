#!/usr/bin/env bash
# Runs a script of this machine on a real Debian kernel under QEMU's software emulation, with this
# machine's root shared read-only, and brings its output back (see docs/testing.md):
#   vm/kernel.sh PACKAGE SCRIPT OUTDIR [KERNEL_ARG...]
#        boot Debian's kernel package PACKAGE (linux-image-amd64 is Debian 12's 6.1; also
#        linux-image-6.12-amd64, linux-image-6.12-rt-amd64, or any linux-image-VERSION-amd64), with
#        KERNEL_ARGs added to its command line (preempt=full...), run SCRIPT as root in the guest,
#        power off. SCRIPT is copied to OUTDIR, which the guest sees as /mnt (the guest writes to
#        /tmp in memory); SCRIPT's stdout and stderr land in OUTDIR/guest.log, its exit status in
#        OUTDIR/exit-status, the serial console in OUTDIR/console.log. Exits with SCRIPT's status.
#   vm/kernel.sh prepare PACKAGE
#        only download the kernel and build the initramfs (cached per package).
# vm/linux61.sh is this with linux-image-amd64.
# Needs root (9p shares the whole root), qemu-system-x86, kmod, cpio, xz-utils and Debian's apt sources.
# Environment: CTXSWITCH_VM_CACHE (default vm/target), CTXSWITCH_VM_TIMEOUT (seconds, default 1500),
# CTXSWITCH_VM_CPUS (default 1), CTXSWITCH_VM_MEMORY (default 2048 MiB), CTXSWITCH_VM_CPU (QEMU's
# CPU model, default max).
#
# One virtual CPU by default: with two, QEMU's multi-threaded emulation crashed processes in the guest
# (SIGSEGV in JIT-compiled code of a JVM that traced nothing) in 9 of 38 runs while a probe on the
# scheduler's path was attached; with one, 0 of 20. Without a probe, or with one on vfs_read, two
# CPUs never crashed (22 runs). We read that as an emulation artefact, not a kernel one.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
say() { echo "vm: $*" >&2; }

# The cache of one package: its kernel, initramfs and release.
cache_of() { echo "${CTXSWITCH_VM_CACHE:-$here/target}/$1"; }

prepare() {
	local package=$1 cache
	cache=$(cache_of "$package")
	mkdir -p "$cache"
	if [ -s "$cache/initramfs.cpio.gz" ] && [ -s "$cache/vmlinuz" ] && [ "$cache/initramfs.cpio.gz" -nt "$here/init.sh" ] \
		&& [ "$cache/initramfs.cpio.gz" -nt "$here/kernel.sh" ]; then
		return
	fi
	# A meta-package (linux-image-amd64, linux-image-6.12-amd64) depends on the versioned image it installs.
	local image
	image=$(apt-cache depends "$package" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*amd64\)$/\1/p' | head -1)
	image=${image:-$package}
	if [ -z "$image" ] || ! apt-cache show "$image" >/dev/null 2>&1; then
		say "apt knows no $package: this needs Debian 12's package sources (apt-get update; apt-cache policy 'linux-image-*')"
		exit 3
	fi
	say "downloading $image and busybox-static (once, into $cache)"
	rm -rf "$cache/debs" "$cache/tree" "$cache/initramfs"
	mkdir -p "$cache/debs" "$cache/tree" "$cache/initramfs/modules"
	(cd "$cache/debs" && apt-get download -q "$image" busybox-static >/dev/null 2>&1) || {
		say "apt-get download $image busybox-static failed"; exit 3; }
	for deb in "$cache"/debs/*.deb; do dpkg-deb -x "$deb" "$cache/tree"; done
	local release
	release=$(ls "$cache/tree/lib/modules")
	cp "$cache"/tree/boot/vmlinuz-* "$cache/vmlinuz"
	depmod -b "$cache/tree" "$release"
	# The 9p share needs virtio-pci and 9p, and the writable /tmp overlayfs: Debian builds them as
	# modules; they are loaded in dependency order.
	local root=$cache/initramfs
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
	cp "$cache/tree/bin/busybox" "$root/bin/busybox"
	cp "$here/init.sh" "$root/init"
	chmod 755 "$root/init"
	: >"$root/modules/order"
	# Modules built in (virtio_pci on 6.12) need nothing; compressed ones (.ko.xz on 6.12) are
	# unpacked, since busybox's insmod takes plain ones.
	for module in virtio_pci 9pnet_virtio 9p overlay; do
		modprobe -d "$cache/tree" -S "$release" --show-depends "$module" | awk '$1 == "insmod" {print $2}'
	done | awk '!seen[$0]++' | while read -r ko; do
		local name
		name=$(basename "$ko")
		case $ko in
		*.xz) name=${name%.xz}; xz -dc "$ko" >"$root/modules/$name" ;;
		*.zst) name=${name%.zst}; zstd -qdc "$ko" >"$root/modules/$name" ;;
		*) cp "$ko" "$root/modules/" ;;
		esac
		echo "$name" >>"$root/modules/order"
	done
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$cache/initramfs.cpio.gz.tmp"
	mv "$cache/initramfs.cpio.gz.tmp" "$cache/initramfs.cpio.gz"
	echo "$release" >"$cache/release"
	say "kernel $release ready"
}

if [ "$(id -u)" -ne 0 ]; then
	say "run it as root: the guest sees this machine's root through 9p"
	exit 3
fi
for tool in qemu-system-x86_64 depmod modprobe cpio apt-get dpkg-deb xz; do
	command -v "$tool" >/dev/null || { say "$tool is missing (apt-get install qemu-system-x86 kmod cpio xz-utils)"; exit 3; }
done

usage() {
	echo "usage: vm/kernel.sh PACKAGE SCRIPT OUTDIR [KERNEL_ARG...] | vm/kernel.sh prepare PACKAGE" >&2
	exit 2
}
if [ "${1:-}" = prepare ]; then
	[ $# -eq 2 ] || usage
	prepare "$2"
	exit 0
fi
[ $# -ge 3 ] || usage
package=$1
script=$(realpath "$2")
out=$(realpath -m "$3")
shift 3
for arg in "$@"; do
	case $arg in *[!A-Za-z0-9_.,=:/-]*|'') say "kernel argument '$arg' has characters a kernel command line word cannot"; exit 2 ;; esac
done
[ -r "$script" ] || { say "no script $script"; exit 2; }
prepare "$package"
cache=$(cache_of "$package")
mkdir -p "$out"
rm -f "$out/exit-status" "$out/guest.log" "$out/console.log"
cp "$script" "$out/run.sh"
say "booting Linux $(cat "$cache/release")${*:+ with $*} to run $script (output in $out)"
timeout "${CTXSWITCH_VM_TIMEOUT:-1500}" qemu-system-x86_64 -accel tcg -cpu "${CTXSWITCH_VM_CPU:-max}" -smp "${CTXSWITCH_VM_CPUS:-1}" \
	-m "${CTXSWITCH_VM_MEMORY:-2048}" -nographic -no-reboot -nic none \
	-kernel "$cache/vmlinuz" -initrd "$cache/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 quiet ctxswitch.script=/mnt/run.sh $*" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$out,mount_tag=out,security_model=none" \
	</dev/null >"$out/console.log" 2>&1 || say "qemu ended with status $?"
if [ ! -s "$out/exit-status" ]; then
	say "the guest did not finish its script: see $out/console.log"
	tail -20 "$out/console.log" >&2
	exit 1
fi
exit "$(cat "$out/exit-status")"
