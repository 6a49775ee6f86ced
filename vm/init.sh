#!/bin/busybox sh
# PID 1 of the test VM (vm/kernel.sh puts it in the initramfs). It mounts this machine's
# root, shared read-only over 9p, and runs the host's script ctxswitch.script=PATH chrooted into it,
# so that the JVM, libbpf, perf and bpftrace of the host run on the guest's kernel. The script's
# output and exit status go to the writable share "out", seen as /mnt inside the chroot.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
while read -r module; do insmod "/modules/$module" || echo "init: insmod $module failed"; done </modules/order

script=
for word in $(cat /proc/cmdline); do
	case $word in ctxswitch.script=*) script=${word#ctxswitch.script=} ;; esac
done

h=/host
mkdir -p $h
# cache=loose: the host root is read-only for the run's lifetime, and the JVM reads (and maps) it a lot.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=524288 hostroot $h || echo "init: cannot mount the host root"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288 out $h/mnt || echo "init: cannot mount the out share"
# The guest's own kernel interfaces over the host's directories (9p would show the host's /proc).
mount -t proc proc $h/proc
mount -t sysfs sys $h/sys
mount -t devtmpfs dev $h/dev
mount -t tracefs nodev $h/sys/kernel/tracing
mount -t debugfs nodev $h/sys/kernel/debug
mount -t bpf bpf $h/sys/fs/bpf
# Writable, but still showing the host's files (a checkout may live in /tmp): the host's directory
# under a tmpfs overlay. /run is the guest's own.
mount -t tmpfs tmpfs $h/run
mkdir -p /overlay
mount -t tmpfs tmpfs /overlay
for dir in tmp var/tmp root; do
	mkdir -p /overlay/$dir/upper /overlay/$dir/work
	mount -t overlay overlay -o lowerdir=$h/$dir,upperdir=/overlay/$dir/upper,workdir=/overlay/$dir/work $h/$dir \
		|| mount -t tmpfs tmpfs $h/$dir
done
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up

echo "init: kernel $(uname -r), running $script"
chroot $h /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
	/bin/sh -c 'cd /tmp && exec /bin/sh "$0"' "$script" >$h/mnt/guest.log 2>&1
echo $? >$h/mnt/exit-status
echo "init: script exited $(cat $h/mnt/exit-status)"
sync
umount $h/mnt
poweroff -f
